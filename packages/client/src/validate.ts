import type { QoS, Subscription } from '@mq/codec';
import type { SubscriptionRequest } from './client-types.js';

/** Argument checks of the public API: bad arguments are TypeError / RangeError, never MQTT errors. */
export function validateTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0)
    throw new TypeError('topic must be a non-empty string');
  // [MQTT-3.3.2-2] a topic name must not contain wildcards.
  if (topic.includes('+') || topic.includes('#'))
    throw new TypeError(`topic ${topic} must not contain + or #`);
}

export function validateQoS(qos: number): asserts qos is QoS {
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`qos must be 0, 1 or 2, got ${qos}`);
}

/** Normalises what `subscribe()` accepts into SUBSCRIBE entries; `defaultQoS` applies to plain strings. */
export function toSubscriptions(
  filters: string | SubscriptionRequest | Array<string | SubscriptionRequest>,
  defaultQoS: QoS,
): Subscription[] {
  return (Array.isArray(filters) ? filters : [filters]).map((f): Subscription => {
    const request = typeof f === 'string' ? { topicFilter: f } : f;
    const qos = request.qos ?? defaultQoS;
    validateQoS(qos);
    if (typeof request.topicFilter !== 'string' || request.topicFilter.length === 0) {
      throw new TypeError('topic filters must be non-empty strings');
    }
    const subscription: Subscription = { topicFilter: request.topicFilter, qos };
    if (request.noLocal !== undefined) subscription.noLocal = request.noLocal;
    if (request.retainAsPublished !== undefined) subscription.retainAsPublished = request.retainAsPublished;
    if (request.retainHandling !== undefined) subscription.retainHandling = request.retainHandling;
    return subscription;
  });
}
