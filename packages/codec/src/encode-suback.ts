/** SUBACK: exact length (with the sender-side checks), then write. */
import { type ProtocolVersion, REASON_CODES_BY_PACKET, SUBACK_FAILURE } from './constants.js';
import { checkPacketId, reasonCodesLength, type Sizes } from './encode-common.js';
import type { SubackPacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

const SUBACK_V5 = new Set(REASON_CODES_BY_PACKET.suback);
const SUBACK_V4 = new Set([0, 1, 2, SUBACK_FAILURE]);

export function subackLength(p: SubackPacket, version: ProtocolVersion, sizes: Sizes): number {
  checkPacketId(p.packetId, 'suback.packetId');
  let n = 2 + reasonCodesLength(p.reasonCodes, version === 5 ? SUBACK_V5 : SUBACK_V4, 'suback.reasonCodes');
  if (version === 5) {
    sizes.props = propertiesLength(p.properties, 'suback');
    n += varintLength(sizes.props) + sizes.props;
  }
  return n;
}

export function writeSuback(w: Writer, p: SubackPacket, version: ProtocolVersion, sizes: Sizes): void {
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, sizes.props);
  for (const c of p.reasonCodes) w.u8(c);
}
