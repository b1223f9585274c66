import { ReasonCode, type UnsubscribePacket } from '@mq/codec';
import type { Connection } from '../connection.js';
import { FILTERS_PER_TURN, nextTurn } from './turns.js';

/** UNSUBSCRIBE: remove each filter, then UNSUBACK (v5 with one reason code per filter) [MQTT-3.10.4-4]. */
export function handleUnsubscribe(conn: Connection, packet: UnsubscribePacket): void | Promise<void> {
  const filters = packet.topicFilters;
  const reasonCodes: number[] = [];
  if (filters.length <= FILTERS_PER_TURN) {
    unsubscribeRange(conn, filters, 0, filters.length, reasonCodes);
    answer(conn, packet, reasonCodes);
    return;
  }
  return (async () => {
    for (let start = 0; start < filters.length; start += FILTERS_PER_TURN) {
      if (start > 0) {
        await nextTurn();
        if (conn.state !== 'connected') return;
      }
      unsubscribeRange(conn, filters, start, Math.min(filters.length, start + FILTERS_PER_TURN), reasonCodes);
    }
    answer(conn, packet, reasonCodes);
  })();
}

function unsubscribeRange(
  conn: Connection,
  filters: readonly string[],
  start: number,
  end: number,
  reasonCodes: number[],
): void {
  const session = conn.session!;
  for (let i = start; i < end; i++) {
    const filter = filters[i] as string;
    const existed = session.removeSubscription(filter);
    conn.ctx.router.unsubscribe(conn.clientId, filter);
    reasonCodes.push(existed ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted);
  }
}

function answer(conn: Connection, packet: UnsubscribePacket, reasonCodes: number[]): void {
  conn.send({
    type: 'unsuback',
    packetId: packet.packetId,
    reasonCodes: conn.protocolVersion === 5 ? reasonCodes : [],
  });
  conn.ctx.emitUnsubscribe(conn, packet.topicFilters);
}
