/** SUBACK body (5.0 section 3.9, 3.1.1 section 3.9). */
import { type ProtocolVersion, REASON_CODES_BY_PACKET, SUBACK_FAILURE } from './constants.js';
import { hex, protocolError } from './errors.js';
import type { SubackPacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

const V5_CODES = new Set(REASON_CODES_BY_PACKET.suback);
/** 3.1.1 return codes [MQTT-3.9.3-2]; also accepted from 3.1 servers, which predate 0x80 but send it. */
const V4_CODES = new Set([0, 1, 2, SUBACK_FAILURE]);

export function decodeSuback(r: Reader, version: ProtocolVersion): SubackPacket {
  const packetId = r.packetId('suback.packetId');
  const properties = version === 5 ? decodeProperties(r, 'suback') : undefined;
  const codes = version === 5 ? V5_CODES : V4_CODES;
  const reasonCodes: number[] = [];
  while (r.remaining > 0) {
    const code = r.u8('suback.reasonCodes');
    if (!codes.has(code))
      throw protocolError('INVALID_REASON_CODE', 'suback.reasonCodes', `invalid code 0x${hex(code)}`);
    reasonCodes.push(code);
  }
  if (reasonCodes.length === 0) {
    throw protocolError('EMPTY_PAYLOAD', 'suback.reasonCodes', 'must contain one code per Topic Filter');
  }
  const packet: SubackPacket = { type: 'suback', packetId, reasonCodes };
  if (properties) packet.properties = properties;
  return packet;
}
