import { slotPush, slotRemove } from './bucket.js';
import { TopicValidationError } from './errors.js';
import { FilterTrie } from './filter-trie.js';
import { type ResolvedLimits, resolveLimits, type TopicLimits } from './limits.js';
import type { MergedMatches, Merger } from './merge.js';
import {
  resolveStrategy,
  type ShareGroupView,
  type ShareStrategy,
  type ShareStrategyName,
} from './share-strategy.js';
import { SHARE_PREFIX } from './shared-filter.js';
import type { MatchVisitor, Subscription } from './subscription.js';
import { combineLevels, hashLevels } from './topic-hash.js';
import { assertFilter } from './validate.js';

/** The bucket of a filter no one subscribes to. */
const NO_ENTRIES: readonly never[] = [];

export interface SubscriptionIndexOptions {
  /** Level and length guards, applied to every filter added and every topic matched. */
  limits?: TopicLimits;
  /** How a shared group picks the member for a message. Default 'round-robin'. */
  shareStrategy?: ShareStrategyName | ShareStrategy;
  /** Members for which this returns false are skipped by shared groups. Default: all available. */
  isAvailable?: (subscriberKey: string) => boolean;
  /**
   * When every member of a group is unavailable: false (default) delivers to nobody for that group;
   * true picks among all members anyway, so the broker can queue the message in that member's session.
   */
  fallbackToUnavailable?: boolean;
}

class Entry<V> implements Subscription<V> {
  /** Position in its filter's bucket (or its group's member list), for O(1) removal. */
  slot = 0;
  /** Position in its subscriber's list, for O(1) removal. */
  listSlot = 0;

  constructor(
    readonly subscriberKey: string,
    readonly filter: string,
    public value: V,
    readonly group: ShareGroup<V> | undefined,
  ) {}

  get shareName(): string | undefined {
    return this.group?.shareName;
  }
}

class ShareGroup<V> implements ShareGroupView<V> {
  readonly members: Entry<V>[] = [];
  cursor = 0;
  /** Position in its filter's bucket of groups. */
  slot = 0;
  constructor(
    readonly key: string,
    readonly shareName: string,
    readonly filter: string,
  ) {}
}

const always = (): boolean => true;
const DOLLAR = 0x24;

/**
 * Subscriptions keyed by (subscriber key, filter), matched against topic names. Values are yours (the
 * broker stores QoS and options). Adding the same (subscriber, filter) again replaces the value
 * [MQTT-3.8.4-3]. Filters of the form `$share/{name}/{filter}` join shared groups; each match hands
 * one member of each matching group the message.
 *
 * Do not add or remove subscriptions from inside a match visitor.
 */
export class SubscriptionIndex<V> {
  readonly #limits: ResolvedLimits;
  readonly #strategy: ShareStrategy;
  readonly #isAvailable: (subscriberKey: string) => boolean;
  readonly #fallback: boolean;
  /** Non-shared subscriptions by filter. */
  readonly #subs = new FilterTrie<Entry<V>>();
  /** Shared groups by their inner filter. */
  readonly #groups = new FilterTrie<ShareGroup<V>>();
  /** Shared groups by full `$share/...` filter. */
  readonly #groupByKey = new Map<string, ShareGroup<V>>();
  /** Every subscription of a subscriber, for removeAll and lookups. */
  readonly #bySubscriber = new Map<string, Entry<V>[]>();
  #size = 0;
  /** Reusable buffer for a topic's level hashes; undefined while a match is using it. */
  #levels: Int32Array | undefined = undefined;

  constructor(options: SubscriptionIndexOptions = {}) {
    this.#limits = resolveLimits(options.limits);
    this.#strategy = resolveStrategy(options.shareStrategy);
    this.#isAvailable = options.isAvailable ?? always;
    this.#fallback = options.fallbackToUnavailable ?? false;
  }

  /** Number of subscriptions (shared members included). */
  get size(): number {
    return this.#size;
  }

  /** Number of subscribers with at least one subscription. */
  get subscriberCount(): number {
    return this.#bySubscriber.size;
  }

  /** Number of distinct filters (each shared group counts once). */
  get filterCount(): number {
    return this.#subs.filterCount + this.#groupByKey.size;
  }

  /**
   * Add a subscription, or replace the value of the existing one for the same subscriber and filter.
   * Returns true when it is new. Throws TopicValidationError (reason code 0x8F) for an invalid filter.
   */
  add(subscriberKey: string, filter: string, value: V): boolean {
    if (typeof subscriberKey !== 'string') throw new TypeError('subscriberKey must be a string');
    assertFilter(filter, this.#limits);
    const existing = this.#find(subscriberKey, filter);
    if (existing !== undefined) {
      existing.value = value;
      return false;
    }
    let entry: Entry<V>;
    if (filter.startsWith(SHARE_PREFIX)) {
      let group = this.#groupByKey.get(filter);
      if (group === undefined) {
        const slash = filter.indexOf('/', SHARE_PREFIX.length);
        group = new ShareGroup<V>(filter, filter.slice(SHARE_PREFIX.length, slash), filter.slice(slash + 1));
        this.#groupByKey.set(filter, group);
        this.#groups.add(group.filter, group);
      }
      entry = new Entry(subscriberKey, filter, value, group);
      slotPush(group.members, entry);
    } else {
      entry = new Entry<V>(subscriberKey, filter, value, undefined);
      this.#subs.add(filter, entry);
    }
    const list = this.#bySubscriber.get(subscriberKey);
    if (list === undefined) this.#bySubscriber.set(subscriberKey, [entry]);
    else {
      entry.listSlot = list.length;
      list.push(entry);
    }
    this.#size++;
    return true;
  }

  /** Remove one subscription. Returns false when there was none. */
  remove(subscriberKey: string, filter: string): boolean {
    const entry = this.#find(subscriberKey, filter);
    if (entry === undefined) return false;
    const list = this.#bySubscriber.get(subscriberKey)!;
    const last = list.pop()!;
    if (last !== entry) {
      list[entry.listSlot] = last;
      last.listSlot = entry.listSlot;
    }
    if (list.length === 0) this.#bySubscriber.delete(subscriberKey);
    this.#detach(entry);
    return true;
  }

  /** Remove every subscription of a subscriber (session end). Returns how many were removed. */
  removeAll(subscriberKey: string): number {
    const list = this.#bySubscriber.get(subscriberKey);
    if (list === undefined) return 0;
    this.#bySubscriber.delete(subscriberKey);
    for (const entry of list) this.#detach(entry);
    return list.length;
  }

  /** Remove everything. */
  clear(): void {
    for (const key of [...this.#bySubscriber.keys()]) this.removeAll(key);
  }

  /** The value stored for this subscriber and filter. */
  get(subscriberKey: string, filter: string): V | undefined {
    return this.#find(subscriberKey, filter)?.value;
  }

  has(subscriberKey: string, filter: string): boolean {
    return this.#find(subscriberKey, filter) !== undefined;
  }

  /** All subscriptions of one subscriber (a snapshot). */
  subscriptionsOf(subscriberKey: string): Subscription<V>[] {
    const list = this.#bySubscriber.get(subscriberKey);
    return list === undefined ? [] : list.slice();
  }

  /** Every subscription, grouped by subscriber. */
  *[Symbol.iterator](): IterableIterator<Subscription<V>> {
    for (const list of this.#bySubscriber.values()) yield* list;
  }

  /** The subscriber keys that have subscriptions. */
  subscribers(): IterableIterator<string> {
    return this.#bySubscriber.keys();
  }

  /**
   * Call `visitor` for every non-shared subscription matching `topic`, and for one chosen member of
   * every matching shared group. Overlapping subscriptions of one subscriber are all visited (no
   * merging); order is unspecified. Allocates nothing on the common path.
   *
   * `topic` must be a valid topic name (validate it once when the PUBLISH arrives); the limits are
   * still enforced here, with a TopicValidationError, before any work. `publisherKey` feeds the sticky
   * strategy. Returns the number of visits.
   */
  match(topic: string, visitor: MatchVisitor<V>, publisherKey?: string): number {
    const limits = this.#limits;
    if (topic.length > limits.maxLength) {
      throw new TopicValidationError(topic.length > 65_535 ? 'TOO_LONG' : 'LENGTH_LIMIT', 'name');
    }
    // Take the hash buffer while in use: a nested match from a visitor gets a fresh one, and a
    // visitor that throws only costs the next call an allocation.
    const hashes = this.#levels ?? new Int32Array(limits.maxLevels);
    this.#levels = undefined;
    const count = hashLevels(topic, hashes, limits.maxLevels);
    if (count < 0) {
      this.#levels = hashes;
      throw new TopicValidationError('LEVEL_LIMIT', 'name');
    }
    const whole = combineLevels(hashes, count);
    const dollar = topic.charCodeAt(0) === DOLLAR;
    const subs = this.#subs;
    let visits = subs.visitExact(topic, whole, visitor);
    if (subs.hasWildcards) visits += subs.visitWildcards(topic, hashes, count, dollar, visitor);
    if (this.#groupByKey.size > 0) {
      visits += this.#matchShared(topic, whole, hashes, count, dollar, visitor, publisherKey);
    }
    this.#levels = hashes;
    return visits;
  }

  /**
   * Match `topic` and merge per subscriber: each subscriber's overlapping non-shared subscriptions fold
   * into one value through `merger` (use mqttMerger() for highest QoS plus every subscription
   * identifier [MQTT-3.3.4-3], [MQTT-3.3.4-4]); shared groups are listed separately.
   */
  matchMerged<M>(topic: string, merger: Merger<V, M>, publisherKey?: string): MergedMatches<V, M> {
    const subscribers = new Map<string, M>();
    const shared: Subscription<V>[] = [];
    this.match(
      topic,
      (sub) => {
        if (sub.shareName !== undefined) {
          shared.push(sub);
          return;
        }
        const key = sub.subscriberKey;
        const merged = subscribers.get(key);
        subscribers.set(key, merged === undefined ? merger.first(sub) : merger.next(merged, sub));
      },
      publisherKey,
    );
    return { subscribers, shared };
  }

  #matchShared(
    topic: string,
    whole: number,
    hashes: Int32Array,
    count: number,
    dollar: boolean,
    visitor: MatchVisitor<V>,
    publisherKey: string | undefined,
  ): number {
    const groups = this.#groups;
    let visits = 0;
    const deliver = (group: ShareGroup<V>): void => {
      let at = this.#strategy(group, publisherKey, this.#isAvailable);
      if (at < 0 && this.#fallback) at = this.#strategy(group, publisherKey, always);
      const member = at >= 0 ? group.members[at] : undefined;
      if (member !== undefined) {
        visitor(member);
        visits++;
      }
    };
    groups.visitExact(topic, whole, deliver);
    if (groups.hasWildcards) groups.visitWildcards(topic, hashes, count, dollar, deliver);
    return visits;
  }

  /** Find by scanning the shorter of the subscriber's list and the filter's bucket. */
  #find(subscriberKey: string, filter: string): Entry<V> | undefined {
    const list = this.#bySubscriber.get(subscriberKey);
    if (list === undefined) return undefined;
    // Look among the filter's subscribers when they are fewer than the subscriber's filters. A filter
    // nobody has yet is an empty bucket, not a reason to scan the list: adding n new filters one by one
    // was quadratic (20,000 in one SUBSCRIBE took 0.9 s).
    let bucket: readonly Entry<V>[] | undefined;
    if (filter.startsWith(SHARE_PREFIX)) bucket = this.#groupByKey.get(filter)?.members ?? NO_ENTRIES;
    else if (list.length > 8) bucket = this.#subs.get(filter) ?? NO_ENTRIES;
    if (bucket !== undefined && bucket.length < list.length) {
      for (const entry of bucket) if (entry.subscriberKey === subscriberKey) return entry;
      return undefined;
    }
    for (const entry of list) if (entry.filter === filter) return entry;
    return undefined;
  }

  #detach(entry: Entry<V>): void {
    this.#size--;
    const group = entry.group;
    if (group === undefined) {
      this.#subs.remove(entry.filter, entry);
      return;
    }
    slotRemove(group.members, entry);
    if (group.members.length === 0) {
      this.#groupByKey.delete(group.key);
      this.#groups.remove(group.filter, group);
    }
  }
}
