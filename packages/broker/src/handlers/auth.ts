import type { AuthPacket } from '@mq/codec';
import type { Connection } from '../connection.js';
import { protocolViolation } from '../errors.js';

/**
 * Enhanced authentication is not offered (CONNECT with an Authentication Method is refused with 0x8C),
 * so any AUTH packet is a protocol error [MQTT-4.12.0-1].
 */
export function handleAuth(_conn: Connection, _packet: AuthPacket): void {
  throw protocolViolation('AUTH without an authentication method');
}
