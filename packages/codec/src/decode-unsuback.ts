/** UNSUBACK body (5.0 section 3.11, 3.1.1 section 3.11). */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { hex, protocolError } from './errors.js';
import type { UnsubackPacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

const CODES = new Set(REASON_CODES_BY_PACKET.unsuback);

export function decodeUnsuback(r: Reader, version: ProtocolVersion): UnsubackPacket {
  const packetId = r.packetId('unsuback.packetId');
  if (version < 5) {
    r.done('unsuback');
    return { type: 'unsuback', packetId, reasonCodes: [] };
  }
  const properties = decodeProperties(r, 'unsuback');
  const reasonCodes: number[] = [];
  while (r.remaining > 0) {
    const code = r.u8('unsuback.reasonCodes');
    if (!CODES.has(code))
      throw protocolError('INVALID_REASON_CODE', 'unsuback.reasonCodes', `invalid code 0x${hex(code)}`);
    reasonCodes.push(code);
  }
  if (reasonCodes.length === 0) {
    throw protocolError('EMPTY_PAYLOAD', 'unsuback.reasonCodes', 'must contain one code per Topic Filter');
  }
  const packet: UnsubackPacket = { type: 'unsuback', packetId, reasonCodes };
  if (properties) packet.properties = properties;
  return packet;
}
