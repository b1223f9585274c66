import { type QoS, ReasonCode, SUBACK_FAILURE, type SubscribePacket, type Subscription } from '@mq/codec';
import { type AuthHooks, refusalCode, toVerdict } from '../auth.js';
import type { Connection } from '../connection.js';
import { protocolViolation } from '../errors.js';
import type { StoredSubscription } from '../persistence/types.js';
import { retainedDeliveries, wantsRetained } from '../retained.js';
import { isValidTopicFilter, parseSharedFilter } from '../topic.js';
import { hookFailure } from './publish.js';
import { FILTERS_PER_TURN, nextTurn } from './turns.js';

/** One accepted subscription and whether its retained messages go out after the SUBACK. */
interface Granted {
  stored: StoredSubscription;
  sendRetained: boolean;
}

/**
 * SUBSCRIBE: each filter is validated, authorized and stored (replacing an identical filter
 * [MQTT-3.8.4-3]); the SUBACK carries one code per filter in order [MQTT-3.8.4-6]; then the matching
 * retained messages are sent per Retain Handling [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11].
 */
export async function handleSubscribe(conn: Connection, packet: SubscribePacket): Promise<void> {
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  const reasonCodes: number[] = [];
  const granted: Granted[] = [];
  let handled = 0;
  for (const sub of packet.subscriptions) {
    if (++handled % FILTERS_PER_TURN === 0) {
      await nextTurn();
      if (conn.state !== 'connected') return;
    }
    const result = await subscribeOne(conn, sub, subscriptionId);
    if (typeof result === 'number') {
      reasonCodes.push(conn.protocolVersion === 5 ? result : SUBACK_FAILURE);
    } else {
      reasonCodes.push(result.stored.qos);
      granted.push(result);
    }
  }
  if (conn.state !== 'connected') return;
  // The SUBACK goes out before any retained message of these subscriptions.
  conn.send({ type: 'suback', packetId: packet.packetId, reasonCodes });
  if (granted.length > 0)
    conn.ctx.emitSubscribe(
      conn,
      granted.map((g) => g.stored),
    );
  for (const g of granted) if (g.sendRetained) await sendRetained(conn, g.stored);
}

async function subscribeOne(
  conn: Connection,
  sub: Subscription,
  subscriptionId: number | undefined,
): Promise<Granted | number> {
  const { ctx } = conn;
  const { limits } = ctx.options;
  const session = conn.session!;
  if (!isValidTopicFilter(sub.topicFilter, limits.maxTopicLevels)) return ReasonCode.TopicFilterInvalid;
  const shared = parseSharedFilter(sub.topicFilter);
  if (shared === null) return ReasonCode.TopicFilterInvalid;
  // No Local on a shared subscription is a protocol error [MQTT-3.8.3-4].
  if (shared && sub.noLocal) throw protocolViolation('No Local on a shared subscription');
  if (
    !session.subscriptions.has(sub.topicFilter) &&
    session.subscriptions.size >= limits.maxSubscriptionsPerClient
  ) {
    return ReasonCode.QuotaExceeded;
  }
  let qos: QoS = sub.qos;
  let readCheck = false;
  const hook = ctx.auth.authorizeSubscribe;
  if (hook) {
    let answer: Awaited<ReturnType<typeof hook>>;
    try {
      answer = await hook({ ...ctx.clientInfo(conn), subscription: sub });
    } catch (err) {
      throw hookFailure('authorizeSubscribe', err);
    }
    if (typeof answer === 'number') {
      qos = Math.min(qos, answer) as QoS;
    } else {
      const verdict = toVerdict(answer);
      if (!verdict.ok) return refusalCode(verdict.reasonCode, 'suback');
      readCheck = verdict.checkDelivery === true;
    }
  }
  const stored: StoredSubscription = { topicFilter: sub.topicFilter, qos };
  if (sub.noLocal) stored.noLocal = true;
  if (sub.retainAsPublished) stored.retainAsPublished = true;
  if (sub.retainHandling) stored.retainHandling = sub.retainHandling;
  if (subscriptionId !== undefined) stored.subscriptionId = subscriptionId;
  // Wider than the read permission: the router asks authorizeDelivery for each matching message.
  if (readCheck) stored.readCheck = conn.username === undefined ? {} : { username: conn.username };
  const isNew = session.addSubscription(stored);
  ctx.router.subscribe(conn.clientId, stored);
  const handling = sub.retainHandling ?? 0;
  // Retained messages are not sent for shared subscriptions: shared groups share live traffic only.
  return { stored, sendRetained: wantsRetained(handling, isNew, shared !== undefined) };
}

async function sendRetained(conn: Connection, sub: StoredSubscription): Promise<void> {
  const deliveries = await retainedDeliveries(conn.ctx.persistence, sub, conn.ctx.stats);
  const session = conn.session;
  if (!session || conn.state !== 'connected') return;
  const check = sub.readCheck && conn.ctx.auth.authorizeDelivery;
  for (const delivery of deliveries) {
    if (check && !canRead(check, conn.clientId, sub, delivery.message.topic)) continue;
    session.deliver(delivery);
  }
}

/** The delivery check; a hook that throws denies, so a failing ACL never leaks a message. */
export function canRead(
  hook: NonNullable<AuthHooks['authorizeDelivery']>,
  clientId: string,
  sub: StoredSubscription,
  topic: string,
): boolean {
  try {
    const username = sub.readCheck?.username;
    return hook(username === undefined ? { clientId, topic } : { clientId, username, topic });
  } catch {
    return false;
  }
}
