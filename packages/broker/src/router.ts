import type { QoS } from '@mq/codec';
import { SHARE_PREFIX, type Subscription, SubscriptionIndex } from '@mq/topic-trie';
import type { RouteBus, SharedRoute } from './cluster.js';
import type { Delivery, Message } from './message.js';
import type { Persistence, StoredSubscription } from './persistence/types.js';
import { storeRetained } from './retained.js';
import type { Session } from './session.js';

/** Per-subscriber fold of its overlapping subscriptions matching one message. */
interface Fold {
  qos: QoS;
  retainAsPublished: boolean;
  subscriptionIds: number[] | undefined;
}

/**
 * Matches messages to sessions. Accepted messages go out through the RouteBus (so a cluster can fan
 * them out); what comes back from it is delivered to this node's sessions: one copy per subscriber at
 * the highest granted QoS with every matching subscription identifier, plus one per shared group.
 */
export class Router {
  readonly index: SubscriptionIndex<StoredSubscription>;
  readonly #sessions: Map<string, Session>;
  readonly #bus: RouteBus;
  readonly #persistence: Persistence;
  readonly #folds = new Map<string, Fold>();
  readonly #shared: Array<{ clientId: string; sub: StoredSubscription }> = [];
  /** Members per `$share` group on this node, kept only for a bus that balances groups across nodes. */
  readonly #groupMembers: Map<string, number> | undefined;
  /** State of the message being matched, read by #visit (no closure per message). */
  #message: Message | undefined;
  #route: SharedRoute | undefined;
  #firstId: string | undefined;
  #firstSub: StoredSubscription | undefined;
  #multi = false;

  readonly #onDeliveryError: (err: unknown, clientId: string) => void;
  readonly #canRead: (clientId: string, sub: StoredSubscription, topic: string) => boolean;

  constructor(
    sessions: Map<string, Session>,
    bus: RouteBus,
    persistence: Persistence,
    maxLevels: number,
    onDeliveryError: (err: unknown, clientId: string) => void = () => {},
    canRead: (clientId: string, sub: StoredSubscription, topic: string) => boolean = () => true,
  ) {
    this.#canRead = canRead;
    this.#onDeliveryError = onDeliveryError;
    this.#sessions = sessions;
    this.#bus = bus;
    this.#persistence = persistence;
    this.index = new SubscriptionIndex<StoredSubscription>({
      limits: { maxLevels },
      // Shared groups prefer connected members, but fall back to a disconnected member's session queue.
      isAvailable: (clientId) => sessions.get(clientId)?.target !== undefined,
      fallbackToUnavailable: true,
    });
    if (bus.shareGroupChanged !== undefined) this.#groupMembers = new Map();
    bus.onMessage((message, route) => this.deliverLocal(message, route));
  }

  subscribe(clientId: string, sub: StoredSubscription): void {
    const added = this.index.add(clientId, sub.topicFilter, sub);
    if (added && this.#groupMembers !== undefined) this.#countMember(sub.topicFilter, 1);
  }

  unsubscribe(clientId: string, topicFilter: string): void {
    const removed = this.index.remove(clientId, topicFilter);
    if (removed && this.#groupMembers !== undefined) this.#countMember(topicFilter, -1);
  }

  removeAll(clientId: string): void {
    if (this.#groupMembers === undefined) {
      this.index.removeAll(clientId);
      return;
    }
    const subs = this.index.subscriptionsOf(clientId);
    this.index.removeAll(clientId);
    for (const sub of subs) if (sub.shareName !== undefined) this.#countMember(sub.filter, -1);
  }

  /** Tells the bus when this node's first member of a group arrives or its last one leaves. */
  #countMember(filter: string, delta: 1 | -1): void {
    if (!filter.startsWith(SHARE_PREFIX)) return;
    const members = this.#groupMembers!;
    const count = (members.get(filter) ?? 0) + delta;
    if (count > 0) members.set(filter, count);
    else members.delete(filter);
    if (count === 1 && delta === 1) this.#bus.shareGroupChanged!(filter, true);
    else if (count === 0) this.#bus.shareGroupChanged!(filter, false);
  }

  /** A cluster moves the client's session to this node (RouteBus.acquireSession); undefined when nothing to wait for. */
  acquireSession(clientId: string, cleanStart: boolean): Promise<void> | undefined {
    return this.#bus.acquireSession?.(clientId, cleanStart);
  }

  /** Stores it if retained, then routes it. A retained message with empty payload only clears the topic. */
  publish(message: Message): void {
    if (message.retain) storeRetained(this.#persistence, message);
    this.#bus.publish(message);
  }

  /**
   * Delivers to the sessions of this node. With a cluster's route, only the route's shared groups are
   * served here; the ones with no member on this node are returned, for the bus to pass on.
   */
  deliverLocal(message: Message, route?: SharedRoute): readonly string[] | undefined {
    // Saved so a delivery that publishes (a will, say) may route re-entrantly.
    const outer = this.#message;
    const outerRoute = this.#route;
    const outerFirstId = this.#firstId;
    const outerFirstSub = this.#firstSub;
    const outerMulti = this.#multi;
    this.#message = message;
    this.#route = route;
    this.#firstId = undefined;
    this.#firstSub = undefined;
    this.#multi = false;
    const folds = this.#folds;
    const shared = this.#shared;
    const sharedBefore = shared.length;
    try {
      this.index.match(message.topic, this.#visit, message.origin);
      // Set by #visit during match (TypeScript cannot see that).
      const firstId = this.#firstId as string | undefined;
      const firstSub = this.#firstSub as StoredSubscription | undefined;
      if (this.#multi as boolean) {
        for (const [clientId, fold] of folds) {
          this.#deliver(clientId, message, fold.qos, fold.retainAsPublished, fold.subscriptionIds);
        }
      } else if (firstId !== undefined && firstSub !== undefined) {
        // One matching subscription (fan-in, pairs): no fold to build.
        const ids = firstSub.subscriptionId === undefined ? undefined : [firstSub.subscriptionId];
        this.#deliver(firstId, message, firstSub.qos, firstSub.retainAsPublished === true, ids);
      }
      for (let i = sharedBefore; i < shared.length; i++) {
        const { clientId, sub } = shared[i]!;
        const ids = sub.subscriptionId === undefined ? undefined : [sub.subscriptionId];
        this.#deliver(clientId, message, sub.qos, sub.retainAsPublished === true, ids);
      }
      if (route !== undefined && route.groups.size > 0) return this.#unserved(route, sharedBefore);
      return undefined;
    } finally {
      if (this.#multi as boolean) folds.clear();
      if (shared.length > sharedBefore) shared.length = sharedBefore;
      this.#message = outer;
      this.#route = outerRoute;
      this.#firstId = outerFirstId;
      this.#firstSub = outerFirstSub;
      this.#multi = outerMulti;
    }
  }

  /** The route's groups that no member on this node took (left, or refused by the read check). */
  #unserved(route: SharedRoute, sharedBefore: number): readonly string[] | undefined {
    const shared = this.#shared;
    let missed: string[] | undefined;
    for (const group of route.groups) {
      let served = false;
      for (let i = sharedBefore; i < shared.length && !served; i++) {
        served = shared[i]!.sub.topicFilter === group;
      }
      if (served) continue;
      if (missed === undefined) missed = [group];
      else missed.push(group);
    }
    return missed;
  }

  /** The match visitor, created once: the message being routed is in #message. */
  readonly #visit = (sub: Subscription<StoredSubscription>): void => {
    const message = this.#message!;
    const clientId = sub.subscriberKey;
    const value = sub.value;
    // A filter wider than the client's read permission: each message is checked (ACL).
    if (value.readCheck !== undefined && !this.#canRead(clientId, value, message.topic)) return;
    const route = this.#route;
    if (sub.shareName !== undefined) {
      if (route !== undefined) {
        // In a cluster each group is served by the one node the route names...
        if (!route.groups.has(value.topicFilter)) return;
        // ...and a member that would only queue it is skipped while another node may have one connected.
        if (route.connectedOnly?.has(value.topicFilter) && this.#isAway(clientId)) return;
      }
      this.#shared.push({ clientId, sub: value });
      return;
    }
    if (route?.sharedOnly === true) return;
    // No Local: not back to the publisher [MQTT-3.8.3-3].
    if (value.noLocal && message.origin === clientId) return;
    if (this.#firstId === undefined) {
      this.#firstId = clientId;
      this.#firstSub = value;
      return;
    }
    if (!this.#multi) {
      this.#multi = true;
      this.#fold(this.#firstId, this.#firstSub!);
    }
    this.#fold(clientId, value);
  };

  /** A session without a connected client (it would only queue a delivery). */
  #isAway(clientId: string): boolean {
    return this.#sessions.get(clientId)?.target === undefined;
  }

  /** Merges overlapping subscriptions of one subscriber: highest QoS, every subscription identifier. */
  #fold(clientId: string, value: StoredSubscription): void {
    const fold = this.#folds.get(clientId);
    if (fold === undefined) {
      this.#folds.set(clientId, {
        qos: value.qos,
        retainAsPublished: value.retainAsPublished === true,
        subscriptionIds: value.subscriptionId === undefined ? undefined : [value.subscriptionId],
      });
      return;
    }
    if (value.qos > fold.qos) fold.qos = value.qos;
    if (value.retainAsPublished) fold.retainAsPublished = true;
    if (value.subscriptionId !== undefined) {
      if (fold.subscriptionIds === undefined) fold.subscriptionIds = [value.subscriptionId];
      else fold.subscriptionIds.push(value.subscriptionId);
    }
  }

  #deliver(
    clientId: string,
    message: Message,
    grantedQos: QoS,
    retainAsPublished: boolean,
    subscriptionIds: number[] | undefined,
  ): void {
    const session = this.#sessions.get(clientId);
    if (!session) return;
    // Delivered QoS is the lower of published and granted [MQTT-3.8.4-8]; RETAIN is cleared on
    // forwarding unless Retain As Published [MQTT-3.3.1-12] [MQTT-3.3.1-13].
    const delivery: Delivery = {
      message,
      qos: message.qos < grantedQos ? message.qos : grantedQos,
      retain: retainAsPublished && message.retain,
    };
    if (subscriptionIds !== undefined) delivery.subscriptionIds = subscriptionIds;
    try {
      session.deliver(delivery);
    } catch (err) {
      // One subscriber's failure (say, a message it cannot be sent) must not reach the publisher.
      this.#onDeliveryError(err, clientId);
    }
  }
}
