import type { Broker, Delivery, Message, StoredSession, StoredSubscription } from '@mq/broker';
import type { QoS } from '@mq/codec';
import { SubscriptionIndex } from '@mq/topic-trie';
import type { RedisPersistence } from './persistence.js';

/** Session Expiry Interval meaning "never expires". */
const NEVER_EXPIRES = 0xffffffff;

/** What createSession reads from a connection: only its protocol version. */
type SessionOwner = Parameters<Broker['createSession']>[1];

export type RequestRelease = (owner: string, clientId: string, cleanStart: boolean) => Promise<void>;

function isExpired(stored: StoredSession, now: number): boolean {
  if (stored.expiryInterval === NEVER_EXPIRES || stored.disconnectedAt === undefined) return false;
  return stored.disconnectedAt + stored.expiryInterval * 1000 <= now;
}

/**
 * Moves a session between broker nodes. The broker keeps sessions in memory and only loads them from
 * persistence at start, so this works through the broker's public members (sessions, router, wills,
 * createSession, endSession):
 *
 * - before a CONNECT attaches a session (the broker awaits RouteBus.acquireSession), the node asks the live node
 *   holding it to release it and waits for the reply, then loads it from Redis into its own memory;
 * - the releasing node drops the connection (DISCONNECT 0x8E), forgets the session without deleting
 *   it, and replies only after Redis has applied all its writes for it, so nothing queued is lost;
 * - messages routed in between are kept and replayed into the loaded session. Every node sees bus
 *   frames in one order (Redis pushes them in the order it ran the PUBLISHes), and the releasing node
 *   drops the session exactly when it reads the Release frame, so the taking node keeps what follows
 *   that frame: each message reaches the session once, from one node or the other.
 */
export class SessionHandoff {
  readonly #broker: Broker;
  readonly #persistence: RedisPersistence;
  readonly #requestRelease: RequestRelease;
  /** Hand-offs to this node under way, by client id. */
  readonly #inProgress = new Map<string, Promise<void>>();
  /** Per client being taken over: the messages routed since the cut. */
  readonly #recording = new Map<string, Message[]>();

  constructor(broker: Broker, persistence: RedisPersistence, requestRelease: RequestRelease) {
    this.#broker = broker;
    this.#persistence = persistence;
    this.#requestRelease = requestRelease;
  }

  /** Makes this node the holder of the client's session before the broker attaches it. */
  beforeConnect(clientId: string, cleanStart: boolean): Promise<void> | undefined {
    // Held here already: the broker resumes or discards it itself, in the same tick.
    if (this.#broker.sessions.has(clientId)) return undefined;
    // A second CONNECT during a hand-off waits for it; the broker then takes the first over locally.
    const pending = this.#inProgress.get(clientId);
    if (pending) return pending;
    const handoff = this.#takeOver(clientId, cleanStart).finally(() => {
      this.#inProgress.delete(clientId);
      this.#recording.delete(clientId);
    });
    this.#inProgress.set(clientId, handoff);
    return handoff;
  }

  async #takeOver(clientId: string, cleanStart: boolean): Promise<void> {
    const persistence = this.#persistence;
    const owner = await persistence.liveOwner(clientId);
    // With a live holder the cut is our Release frame (see record()); without one nobody is
    // delivering to the session, so everything from now on is kept.
    if (owner !== undefined && owner !== persistence.nodeId) {
      await this.#requestRelease(owner, clientId, cleanStart);
    } else {
      this.record(clientId);
    }
    // Clean Start discards whatever was stored [MQTT-3.1.2-4]; otherwise the session resumes here.
    if (cleanStart) await persistence.deleteSession(clientId);
    else await this.#load(clientId);
    await persistence.setOwner(clientId);
  }

  /** Starts keeping routed messages for a client being taken over (at our own Release frame). */
  record(clientId: string): void {
    // A Release frame read after its hand-off gave up waiting starts nothing.
    if (this.#inProgress.has(clientId) && !this.#recording.has(clientId)) this.#recording.set(clientId, []);
  }

  /** Sees every message the bus routes on this node, in bus order. */
  observe(message: Message): void {
    for (const kept of this.#recording.values()) kept.push(message);
  }

  /** Another node takes the session: drop it here (its state is already in Redis), then flush. */
  async release(clientId: string, cleanStart: boolean): Promise<void> {
    const session = this.#broker.sessions.get(clientId);
    if (session && session.target === undefined) {
      if (cleanStart) this.#broker.endSession(session);
      else this.evict(clientId);
    }
    await this.#persistence.flush();
  }

  /** Forgets a disconnected session held in memory without touching what is stored. */
  evict(clientId: string): void {
    const broker = this.#broker;
    const session = broker.sessions.get(clientId);
    if (!session || session.target !== undefined) return;
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    broker.sessions.delete(clientId);
    broker.router.removeAll(clientId);
    // The session lives on elsewhere, so a delayed will is not sent [MQTT-3.1.3-9].
    broker.wills.cancel(clientId);
    session.clearMessages();
  }

  async #load(clientId: string): Promise<void> {
    const persistence = this.#persistence;
    const stored = await persistence.getSession(clientId);
    if (!stored) return;
    if (isExpired(stored, Date.now())) {
      await persistence.deleteSession(clientId);
      return;
    }
    const [outgoing, incomingQos2] = await Promise.all([
      persistence.listOutgoing(clientId),
      persistence.listIncomingQos2(clientId),
    ]);
    const broker = this.#broker;
    if (broker.sessions.has(clientId)) return;
    // createSession only reads the protocol version of the connection it is given.
    const owner = { protocolVersion: stored.protocolVersion } as unknown as SessionOwner;
    const session = broker.createSession(clientId, owner, stored.expiryInterval);
    session.restore(outgoing, incomingQos2);
    session.disconnectedAt = stored.disconnectedAt ?? Date.now();
    for (const sub of stored.subscriptions) {
      session.subscriptions.set(sub.topicFilter, sub);
      broker.router.subscribe(clientId, sub);
    }
    // Same tick as the router learning the subscriptions: from here on the router delivers.
    const kept = this.#recording.get(clientId) ?? [];
    this.#recording.delete(clientId);
    if (kept.length === 0) return;
    const index = new SubscriptionIndex<StoredSubscription>({
      limits: { maxLevels: broker.options.limits.maxTopicLevels },
    });
    for (const sub of session.subscriptions.values()) index.add(clientId, sub.topicFilter, sub);
    for (const message of kept) {
      const delivery = replayDelivery(clientId, index, message);
      if (delivery) session.deliver(delivery);
    }
  }
}

/**
 * What the router would have delivered to this one client: the highest granted QoS of its matching
 * subscriptions, every subscription identifier, Retain As Published and No Local. Shared subscriptions
 * are left out: their group got the message from the member some node picked.
 */
function replayDelivery(
  clientId: string,
  index: SubscriptionIndex<StoredSubscription>,
  message: Message,
): Delivery | undefined {
  let granted: QoS | undefined;
  let retainAsPublished = false;
  const ids: number[] = [];
  index.match(message.topic, ({ value, shareName }) => {
    if (shareName !== undefined) return;
    if (value.noLocal && message.origin === clientId) return;
    if (granted === undefined || value.qos > granted) granted = value.qos;
    if (value.retainAsPublished) retainAsPublished = true;
    if (value.subscriptionId !== undefined) ids.push(value.subscriptionId);
  });
  if (granted === undefined) return undefined;
  const delivery: Delivery = {
    message,
    qos: message.qos < granted ? message.qos : granted,
    retain: retainAsPublished && message.retain,
  };
  if (ids.length > 0) delivery.subscriptionIds = ids;
  return delivery;
}
