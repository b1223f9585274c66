/** SUBACK and UNSUBACK: exact length (with the sender-side checks), then write. */
import { type ProtocolVersion, REASON_CODES_BY_PACKET, SUBACK_FAILURE } from './constants.js';
import { checkPacketId, checkReasonCode, type Sizes } from './encode-common.js';
import { protocolError } from './errors.js';
import type { SubackPacket, UnsubackPacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

const SUBACK_V5 = new Set(REASON_CODES_BY_PACKET.suback);
const SUBACK_V4 = new Set([0, 1, 2, SUBACK_FAILURE]);
const UNSUBACK_V5 = new Set(REASON_CODES_BY_PACKET.unsuback);

function codesLength(codes: number[], allowed: ReadonlySet<number>, field: string): number {
  if (!Array.isArray(codes) || codes.length === 0) {
    throw protocolError('EMPTY_PAYLOAD', field, 'must contain one code per Topic Filter');
  }
  for (const c of codes) checkReasonCode(c, allowed, field);
  return codes.length;
}

export function subackLength(p: SubackPacket, version: ProtocolVersion, sizes: Sizes): number {
  checkPacketId(p.packetId, 'suback.packetId');
  let n = 2 + codesLength(p.reasonCodes, version === 5 ? SUBACK_V5 : SUBACK_V4, 'suback.reasonCodes');
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

/** In 3.1/3.1.1 UNSUBACK carries only the packet identifier; `reasonCodes` is ignored there. */
export function unsubackLength(p: UnsubackPacket, version: ProtocolVersion, sizes: Sizes): number {
  checkPacketId(p.packetId, 'unsuback.packetId');
  if (version < 5) return 2;
  let n = 2 + codesLength(p.reasonCodes, UNSUBACK_V5, 'unsuback.reasonCodes');
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
