import type { PublishProperties, QoS } from '@mq/codec';

/** An application message as the broker routes and stores it, independent of any one connection. */
export interface Message {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  /** PUBLISH properties to pass on; never topicAlias or subscriptionIdentifiers (those are per hop). */
  properties?: PublishProperties;
  /** Epoch ms after which the message must not be delivered (from Message Expiry Interval). */
  expiresAt?: number;
  /** Client id of the publisher, for No Local; absent for broker-originated messages. */
  origin?: string;
}

/** One message on its way to one subscriber. */
export interface Delivery {
  message: Message;
  qos: QoS;
  retain: boolean;
  subscriptionIds?: number[];
}

export function isExpired(message: Message, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
}

/** Remaining Message Expiry Interval in whole seconds, as sent on delivery [MQTT-3.3.2-6]. */
export function remainingExpiry(message: Message, now: number): number | undefined {
  if (message.expiresAt === undefined) return undefined;
  return Math.max(0, Math.ceil((message.expiresAt - now) / 1000));
}
