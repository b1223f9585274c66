import type { Subscription } from './subscription.js';

/**
 * Folds the overlapping subscriptions of one subscriber into the one delivery it gets.
 * `first` starts the result from the first match, `next` adds each further match (mutate or return new).
 */
export interface Merger<V, M> {
  first(subscription: Subscription<V>): M;
  next(merged: M, subscription: Subscription<V>): M;
}

/** The subscription value fields mqttMerger reads. */
export interface MqttSubscriptionValue {
  /** Granted maximum QoS of this subscription. */
  readonly qos: number;
  /** MQTT 5 Subscription Identifier given with this subscription, if any. */
  readonly subscriptionIdentifier?: number | undefined;
}

/** One message delivery to one subscriber, merged from all its matching non-shared subscriptions. */
export interface MqttDelivery<V> {
  /** The highest QoS among the matching subscriptions. */
  qos: number;
  /** Every Subscription Identifier of the matching subscriptions, in match order [MQTT-3.3.4-3], [MQTT-3.3.4-4]. */
  readonly subscriptionIdentifiers: number[];
  /** The matching subscriptions themselves (for options such as retain-as-published). */
  readonly subscriptions: Subscription<V>[];
}

/**
 * The MQTT 5 merge of overlapping subscriptions: highest QoS and all subscription identifiers. Works
 * for MQTT 3.1.1 values too (no identifiers). Stateless, so one instance serves every call.
 */
export function mqttMerger<V extends MqttSubscriptionValue>(): Merger<V, MqttDelivery<V>> {
  return {
    first(subscription) {
      const id = subscription.value.subscriptionIdentifier;
      return {
        qos: subscription.value.qos,
        subscriptionIdentifiers: id === undefined ? [] : [id],
        subscriptions: [subscription],
      };
    },
    next(merged, subscription) {
      const value = subscription.value;
      if (value.qos > merged.qos) merged.qos = value.qos;
      if (value.subscriptionIdentifier !== undefined)
        merged.subscriptionIdentifiers.push(value.subscriptionIdentifier);
      merged.subscriptions.push(subscription);
      return merged;
    },
  };
}

/** Result of SubscriptionIndex.matchMerged. */
export interface MergedMatches<V, M> {
  /** One merged entry per subscriber over its non-shared subscriptions. */
  readonly subscribers: Map<string, M>;
  /**
   * The chosen member of every matching shared subscription group. These are separate deliveries: a
   * subscriber may get a copy here as well as through its own non-shared subscription.
   */
  readonly shared: Subscription<V>[];
}
