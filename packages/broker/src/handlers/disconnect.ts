import { type DisconnectPacket, ReasonCode } from '@mq/codec';
import type { Connection } from '../connection.js';
import { protocolViolation } from '../errors.js';

/**
 * A client DISCONNECT: the will is discarded [MQTT-3.14.4-3] unless v5 reason 0x04 asks for it; a v5
 * client may change the Session Expiry Interval, but not from 0 to non-zero [MQTT-3.14.2-2].
 */
export function handleDisconnect(conn: Connection, packet: DisconnectPacket): void {
  const reasonCode = packet.reasonCode ?? ReasonCode.NormalDisconnection;
  const expiry = packet.properties?.sessionExpiryInterval;
  if (expiry !== undefined && conn.session) {
    if (conn.connectSessionExpiry === 0 && expiry !== 0) {
      throw protocolViolation('Session Expiry Interval changed from 0 on DISCONNECT');
    }
    conn.session.setExpiryInterval(Math.min(expiry, conn.ctx.options.sessionExpiryMaxSeconds));
  }
  if (reasonCode !== ReasonCode.DisconnectWithWillMessage) conn.will = undefined;
  conn.disconnectInfo = { by: 'client', reasonCode };
  conn.end();
}
