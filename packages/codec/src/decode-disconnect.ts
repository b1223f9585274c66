/** DISCONNECT body (5.0 section 3.14, 3.1.1 section 3.14). */
import { type ProtocolVersion, REASON_CODES_BY_PACKET } from './constants.js';
import { hex, protocolError } from './errors.js';
import type { DisconnectPacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

const DISCONNECT_CODES = new Set(REASON_CODES_BY_PACKET.disconnect);

export function decodeDisconnect(
  r: Reader,
  version: ProtocolVersion,
  side: 'server' | 'client' | undefined,
): DisconnectPacket {
  if (version < 5) {
    r.done('disconnect');
    return { type: 'disconnect' };
  }
  // Remaining Length 0 means Normal disconnection; 1 means a reason code without properties.
  let reasonCode = 0;
  if (r.remaining > 0) {
    reasonCode = r.u8('disconnect.reasonCode');
    if (!DISCONNECT_CODES.has(reasonCode)) {
      throw protocolError(
        'INVALID_REASON_CODE',
        'disconnect.reasonCode',
        `invalid code 0x${hex(reasonCode)}`,
      );
    }
  }
  const packet: DisconnectPacket = { type: 'disconnect', reasonCode };
  if (r.remaining > 0) {
    const properties = decodeProperties(r, 'disconnect');
    if (properties) packet.properties = properties;
  }
  r.done('disconnect');
  if (side === 'client' && packet.properties?.sessionExpiryInterval !== undefined) {
    throw protocolError(
      'PROTOCOL_VIOLATION',
      'disconnect.properties.sessionExpiryInterval',
      'a Server must not send a Session Expiry Interval on DISCONNECT',
    );
  }
  return packet;
}
