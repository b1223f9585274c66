import { ReasonCode, type UnsubscribePacket } from '@mq/codec';
import type { Connection } from '../connection.js';

/** UNSUBSCRIBE: remove each filter, then UNSUBACK (v5 with one reason code per filter) [MQTT-3.10.4-4]. */
export function handleUnsubscribe(conn: Connection, packet: UnsubscribePacket): void {
  const session = conn.session!;
  const reasonCodes: number[] = [];
  for (const filter of packet.topicFilters) {
    const existed = session.removeSubscription(filter);
    conn.ctx.router.unsubscribe(conn.clientId, filter);
    reasonCodes.push(existed ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted);
  }
  conn.send({
    type: 'unsuback',
    packetId: packet.packetId,
    reasonCodes: conn.protocolVersion === 5 ? reasonCodes : [],
  });
  conn.ctx.emitUnsubscribe(conn, packet.topicFilters);
}
