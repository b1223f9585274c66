/**
 * Deterministic bench inputs: the same seed gives the same filters, values and topics to every
 * implementation. Topics have 3 to 7 levels drawn from per-level vocabularies, shaped like
 * `tenant/site/device/sensor/...` trees. The site and device levels grow with the subscription count
 * (more subscriptions come from more devices), so the number of subscribers per message stays about
 * the same at 10k, 100k and 1M instead of growing with the index.
 */

/** mulberry32: tiny, seedable, good enough to spread inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function vocabulary(subscriptions: number): number[] {
  const sites = Math.max(32, Math.round(subscriptions / 1000));
  const devices = Math.max(128, Math.round(subscriptions / 100));
  return [8, sites, devices, 64, 16, 8, 8];
}
const MIN_DEPTH = 3;
const MAX_DEPTH = 7;

export interface SubscriptionValue {
  readonly clientId: string;
  readonly qos: number;
}

export interface Workload {
  readonly filters: string[];
  /** One value object per subscription, shared by both implementations. */
  readonly values: SubscriptionValue[];
  /** Publish topics: half taken from exact filters (hits), half fresh. */
  readonly topics: string[];
  readonly mix: { exact: number; plus: number; hash: number };
}

export interface WorkloadOptions {
  subscriptions: number;
  topics: number;
  seed: number;
  /** Subscriptions per client (client ids are shared strings). */
  perClient?: number;
  mix?: { exact: number; plus: number; hash: number };
}

function randomLevels(random: () => number, vocab: number[]): string[] {
  const depth = MIN_DEPTH + Math.floor(random() * (MAX_DEPTH - MIN_DEPTH + 1));
  const levels: string[] = [];
  for (let i = 0; i < depth; i++) levels.push(`l${i}w${Math.floor(random() * vocab[i]!)}`);
  return levels;
}

function randomFilter(random: () => number, mix: Workload['mix'], vocab: number[]): string {
  const levels = randomLevels(random, vocab);
  const roll = random();
  if (roll < mix.exact) return levels.join('/');
  if (roll < mix.exact + mix.plus) {
    levels[Math.floor(random() * levels.length)] = '+';
    return levels.join('/');
  }
  // Keep 2 or more levels before `#`, as real prefix subscriptions do.
  const keep = 2 + Math.floor(random() * (levels.length - 2));
  return `${levels.slice(0, keep).join('/')}/#`;
}

export function makeWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const mix = options.mix ?? { exact: 0.7, plus: 0.2, hash: 0.1 };
  const perClient = options.perClient ?? 5;
  const vocab = vocabulary(options.subscriptions);
  const clients: string[] = [];
  const filters: string[] = [];
  const values: SubscriptionValue[] = [];
  const exactTopics: string[] = [];
  for (let i = 0; i < options.subscriptions; i++) {
    const client = Math.floor(i / perClient);
    // A client never subscribes to the same filter twice, so both implementations hold the same set.
    const mine = filters.slice(client * perClient, i);
    let filter: string;
    do filter = randomFilter(random, mix, vocab);
    while (mine.includes(filter));
    if (!filter.includes('+') && !filter.includes('#')) exactTopics.push(filter);
    clients[client] ??= `client-${client}`;
    filters.push(filter);
    values.push({ clientId: clients[client]!, qos: Math.floor(random() * 3) });
  }
  const topics: string[] = [];
  for (let i = 0; i < options.topics; i++) {
    if (i % 2 === 0 && exactTopics.length > 0)
      topics.push(exactTopics[Math.floor(random() * exactTopics.length)]!);
    else topics.push(randomLevels(random, vocab).join('/'));
  }
  return { filters, values, topics, mix };
}

/** `count` distinct topics from the tree a broker with `subscriptions` subscriptions would have. */
export function makeTopics(count: number, subscriptions: number, seed: number): string[] {
  const random = seededRandom(seed);
  const vocab = vocabulary(subscriptions);
  const topics = new Set<string>();
  while (topics.size < count) topics.add(randomLevels(random, vocab).join('/'));
  return [...topics];
}
