/** CONNACK body (5.0 section 3.2, 3.1.1 section 3.2). */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { hex, protocolError } from './errors.js';
import type { ConnackPacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

const CONNACK_CODES = new Set(REASON_CODES_BY_PACKET.connack);

export function decodeConnack(r: Reader, version: ProtocolVersion): ConnackPacket {
  const flags = r.u8('connack.flags');
  if ((flags & 0xfe) !== 0) throw protocolError('RESERVED_FLAGS', 'connack.flags', 'bits 7-1 must be 0');
  const reasonCode = r.u8('connack.reasonCode');
  const valid = version === 5 ? CONNACK_CODES.has(reasonCode) : reasonCode <= 5;
  if (!valid)
    throw protocolError(
      'INVALID_REASON_CODE',
      'connack.reasonCode',
      `invalid CONNACK code 0x${hex(reasonCode)}`,
    );
  const sessionPresent = (flags & 0x01) !== 0;
  if (sessionPresent && reasonCode !== 0) {
    throw protocolError(
      'PROTOCOL_VIOLATION',
      'connack.sessionPresent',
      'must be 0 with a non-zero reason code',
    );
  }
  const packet: ConnackPacket = { type: 'connack', sessionPresent, reasonCode };
  if (version === 5) {
    const properties = decodeProperties(r, 'connack');
    if (properties) packet.properties = properties;
  }
  r.done('connack');
  return packet;
}
