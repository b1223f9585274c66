/** UNSUBACK: exact length (with the sender-side checks), then write. */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { checkPacketId, reasonCodesLength, type Sizes } from './encode-common.js';
import type { UnsubackPacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

const UNSUBACK_V5 = new Set(REASON_CODES_BY_PACKET.unsuback);

/** In 3.1/3.1.1 UNSUBACK carries only the packet identifier; `reasonCodes` is ignored there. */
export function unsubackLength(p: UnsubackPacket, version: ProtocolVersion, sizes: Sizes): number {
  checkPacketId(p.packetId, 'unsuback.packetId');
  if (version < 5) return 2;
  let n = 2 + reasonCodesLength(p.reasonCodes, UNSUBACK_V5, 'unsuback.reasonCodes');
  sizes.props = propertiesLength(p.properties, 'unsuback');
  n += varintLength(sizes.props) + sizes.props;
  return n;
}

export function writeUnsuback(w: Writer, p: UnsubackPacket, version: ProtocolVersion, sizes: Sizes): void {
  w.u16(p.packetId);
  if (version < 5) return;
  writeProperties(w, p.properties, sizes.props);
  for (const c of p.reasonCodes) w.u8(c);
}
