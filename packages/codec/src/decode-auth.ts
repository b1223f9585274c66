/** AUTH body (5.0 section 3.15). */
import { REASON_CODES_BY_PACKET } from './constants.js';
import { hex, protocolError } from './errors.js';
import type { AuthPacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

const AUTH_CODES = new Set(REASON_CODES_BY_PACKET.auth);

export function decodeAuth(r: Reader): AuthPacket {
  let reasonCode = 0;
  if (r.remaining > 0) {
    reasonCode = r.u8('auth.reasonCode');
    if (!AUTH_CODES.has(reasonCode)) {
      throw protocolError('INVALID_REASON_CODE', 'auth.reasonCode', `invalid code 0x${hex(reasonCode)}`);
    }
  }
  const packet: AuthPacket = { type: 'auth', reasonCode };
  if (r.remaining > 0) {
    const properties = decodeProperties(r, 'auth');
    if (properties) packet.properties = properties;
  }
  r.done('auth');
  if (packet.properties?.authenticationMethod === undefined) {
    throw protocolError(
      'PROTOCOL_VIOLATION',
      'auth.properties.authenticationMethod',
      'AUTH must carry an Authentication Method',
    );
  }
  return packet;
}
