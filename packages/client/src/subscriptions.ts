import type { QoS, SubscribeProperties, Subscription } from '@mq/codec';
import type { Message } from './message.js';
import { topicMatches } from './topic-match.js';

export type MessageHandler = (message: Message) => void;

interface Entry {
  subscription: Subscription;
  properties: SubscribeProperties | undefined;
  handlers: Set<MessageHandler>;
}

/** A throwing handler must not break the protocol flow (or the other handlers): rethrow it later. */
function invoke(handler: MessageHandler, message: Message): void {
  try {
    handler(message);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * Subscriptions the server granted, so they can be restored when a reconnect finds no session,
 * and the per-subscription handlers that receive matching messages.
 */
export class SubscriptionRegistry {
  #entries = new Map<string, Entry>();
  /** Handlers of SUBSCRIBEs awaiting SUBACK: a server may send matching messages before the SUBACK. */
  #pending = new Set<{ filters: string[]; handler: MessageHandler }>();

  /** Routes matching messages to `handler` until `settle()` is called (at SUBACK or failure). */
  pending(filters: string[], handler: MessageHandler): { settle(): void } {
    const entry = { filters, handler };
    this.#pending.add(entry);
    return { settle: () => this.#pending.delete(entry) };
  }

  get size(): number {
    return this.#entries.size;
  }

  granted(
    subscription: Subscription,
    qos: QoS,
    properties: SubscribeProperties | undefined,
    handler?: MessageHandler,
  ): void {
    const existing = this.#entries.get(subscription.topicFilter);
    const entry: Entry = existing ?? { subscription, properties, handlers: new Set() };
    entry.subscription = { ...subscription, qos };
    entry.properties = properties;
    if (handler) entry.handlers.add(handler);
    this.#entries.set(subscription.topicFilter, entry);
  }

  removed(topicFilter: string): void {
    this.#entries.delete(topicFilter);
  }

  /** Everything to send again (one entry per SUBSCRIBE, since properties differ per entry). */
  all(): Array<{ subscription: Subscription; properties: SubscribeProperties | undefined }> {
    return [...this.#entries.values()].map(({ subscription, properties }) => ({ subscription, properties }));
  }

  dispatch(message: Message): void {
    const called = new Set<MessageHandler>();
    for (const [filter, entry] of this.#entries) {
      if (entry.handlers.size === 0 || !topicMatches(filter, message.topic)) continue;
      for (const handler of entry.handlers) {
        if (called.has(handler)) continue;
        called.add(handler);
        invoke(handler, message);
      }
    }
    for (const { filters, handler } of this.#pending) {
      if (called.has(handler) || !filters.some((f) => topicMatches(f, message.topic))) continue;
      called.add(handler);
      invoke(handler, message);
    }
  }
}
