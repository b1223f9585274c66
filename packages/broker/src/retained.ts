import type { QoS } from '@mq/codec';
import { type Delivery, detachedCopy, isExpired, type Message } from './message.js';
import type { Persistence, StoredSubscription } from './persistence/types.js';
import type { BrokerStats } from './stats.js';

/**
 * Retained messages: kept in Persistence (one per topic), replaced by each new retained PUBLISH and
 * deleted by an empty one [MQTT-3.3.1-5] [MQTT-3.3.1-6]; sent to new subscriptions per Retain Handling.
 */
export function storeRetained(persistence: Persistence, message: Message): void {
  void persistence.putRetained(message.payload.length === 0 ? message : detachedCopy(message));
}

/**
 * Whether a subscription gets the retained messages: Retain Handling 0 always, 1 only when new, 2 never
 * [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11]; shared subscriptions never do.
 */
export function wantsRetained(handling: 0 | 1 | 2, isNew: boolean, shared: boolean): boolean {
  return !shared && (handling === 0 || (handling === 1 && isNew));
}

/** The deliveries for a subscription's retained messages, expired ones skipped (and counted). */
export async function retainedDeliveries(
  persistence: Persistence,
  sub: StoredSubscription,
  stats: BrokerStats,
): Promise<Delivery[]> {
  const messages = await persistence.matchRetained(sub.topicFilter);
  const now = Date.now();
  const deliveries: Delivery[] = [];
  for (const message of messages) {
    if (isExpired(message, now)) {
      stats.expiredDropped++;
      continue;
    }
    deliveries.push({
      message,
      qos: Math.min(message.qos, sub.qos) as QoS,
      // Sent because of a new subscription: RETAIN 1 [MQTT-3.3.1-8].
      retain: true,
      ...(sub.subscriptionId !== undefined && { subscriptionIds: [sub.subscriptionId] }),
    });
  }
  return deliveries;
}
