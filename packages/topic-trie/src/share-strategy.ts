import type { Subscription } from './subscription.js';

/** What a strategy sees of one shared subscription group. */
export interface ShareGroupView<V = unknown> {
  readonly shareName: string;
  /** The topic filter after `$share/{shareName}/`. */
  readonly filter: string;
  /** Members in the order they joined (removal may move the last member into the gap). */
  readonly members: readonly Subscription<V>[];
  /** Per-group state a strategy may use freely (round-robin keeps its position here). */
  cursor: number;
}

/**
 * Picks the member of a group that gets one message. Returns an index into `group.members`, or -1 when
 * no member is available. `publisherKey` is what the caller passed to match (sticky strategies use it).
 */
export type ShareStrategy = <V>(
  group: ShareGroupView<V>,
  publisherKey: string | undefined,
  isAvailable: (subscriberKey: string) => boolean,
) => number;

export type ShareStrategyName = 'round-robin' | 'random' | 'sticky';

/** Each message goes to the next available member after the one that got the previous message. */
export const roundRobin: ShareStrategy = (group, _publisherKey, isAvailable) => {
  const members = group.members;
  const n = members.length;
  const start = group.cursor < n ? group.cursor : 0;
  for (let k = 0; k < n; k++) {
    const at = start + k < n ? start + k : start + k - n;
    if (isAvailable(members[at]!.subscriberKey)) {
      group.cursor = at + 1;
      return at;
    }
  }
  return -1;
};

/** A uniformly random member; if it is unavailable, the next available one after it. */
export function randomStrategy(random: () => number = Math.random): ShareStrategy {
  return (group, _publisherKey, isAvailable) => {
    const members = group.members;
    const n = members.length;
    if (n === 0) return -1;
    const start = Math.min(n - 1, Math.floor(random() * n));
    for (let k = 0; k < n; k++) {
      const at = start + k < n ? start + k : start + k - n;
      if (isAvailable(members[at]!.subscriberKey)) return at;
    }
    return -1;
  };
}

/** FNV-1a over UTF-16 code units: a cheap, stable string hash that needs no Node API. */
function hashString(str: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3's finaliser: spreads the bits so combined hashes compare fairly. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The same publisher always reaches the same member (rendezvous hashing: the available member with the
 * highest score for this publisher wins). A member joining or leaving only moves the publishers it wins
 * or won. Without a publisher key it behaves as round-robin.
 */
export const sticky: ShareStrategy = (group, publisherKey, isAvailable) => {
  if (publisherKey === undefined) return roundRobin(group, publisherKey, isAvailable);
  const seed = hashString(publisherKey);
  const members = group.members;
  let best = -1;
  let bestScore = -1;
  for (let i = 0; i < members.length; i++) {
    const key = members[i]!.subscriberKey;
    const score = mix(seed ^ hashString(key));
    if (score > bestScore && isAvailable(key)) {
      best = i;
      bestScore = score;
    }
  }
  return best;
};

/** Resolve a strategy option to a function. */
export function resolveStrategy(strategy: ShareStrategyName | ShareStrategy | undefined): ShareStrategy {
  if (strategy === undefined || strategy === 'round-robin') return roundRobin;
  if (strategy === 'random') return randomStrategy();
  if (strategy === 'sticky') return sticky;
  if (typeof strategy === 'function') return strategy;
  throw new TypeError(`unknown share strategy ${String(strategy)}`);
}
