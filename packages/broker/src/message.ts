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

const DETACHED = Symbol('detached copy');
type WithDetached = Message & { [DETACHED]?: Message };

/**
 * A copy of a message fit to keep for long (retained store, offline queues): the payload is copied out of
 * the socket chunk it may be a view of, and per-delivery caches (encoded forms on symbol keys, which may be
 * views of a shared encoder slab) are left behind, so a small stored message never pins a large buffer.
 * Made once per message however many stores keep it; a no-op on a copy.
 */
export function detachedCopy(message: Message): Message {
  const source = message as WithDetached;
  let copy = source[DETACHED];
  if (copy === undefined) {
    copy = detachMessage(message);
    (copy as WithDetached)[DETACHED] = copy;
    source[DETACHED] = copy;
  }
  return copy;
}

function detachMessage(message: Message): Message {
  const copy: Message = {
    topic: message.topic,
    payload: copyBytes(message.payload),
    qos: message.qos,
    retain: message.retain,
  };
  const properties = message.properties;
  if (properties !== undefined) {
    copy.properties =
      properties.correlationData === undefined
        ? properties
        : { ...properties, correlationData: copyBytes(properties.correlationData) };
  }
  if (message.expiresAt !== undefined) copy.expiresAt = message.expiresAt;
  if (message.origin !== undefined) copy.origin = message.origin;
  return copy;
}

/** A copy with an ArrayBuffer of its own (Buffer#slice would return a view of the same memory). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}
