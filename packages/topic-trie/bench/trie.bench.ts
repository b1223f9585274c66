/**
 * @mq/topic-trie against qlobber@8 (the matcher Aedes uses), in one process, on identical inputs from
 * a fixed seed. Prints one JSON line per case. Run with `pnpm --filter @mq/topic-trie bench`
 * (needs --expose-gc, which the script passes). Set TRIE_BENCH_SIZES=10000,100000 to skip 1M, and
 * TRIE_BENCH_ONLY=match (or add-remove, retained, comma-separated) to run some groups only.
 */
import qlobber from 'qlobber';
import { type MqttDelivery, mqttMerger, RetainedIndex, SubscriptionIndex } from '../src/index.js';
import { makeTopics, makeWorkload, type SubscriptionValue, seededRandom, type Workload } from './workload.js';

const SEED = 0x6d71;
/** After this much wall time the remaining cases run one short round each, to finish in about 3 min. */
const WALL_BUDGET_MS = 140_000;
const started = performance.now();
const QLOBBER_OPTIONS = {
  separator: '/',
  wildcard_one: '+',
  wildcard_some: '#',
  match_empty_levels: true,
  // qlobber refuses topics over 100 words by default; our workload never gets near it.
} as const;

const runGc = (globalThis as { gc?: () => void }).gc;
if (runGc === undefined) throw new Error('run with node --expose-gc (pnpm --filter @mq/topic-trie bench)');
const gc: () => void = runGc;

type Qlobber = InstanceType<typeof qlobber.Qlobber<SubscriptionValue>>;

function emit(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ suite: 'topic-trie', ...line, clock: 'cpu' }));
}

/** Heap plus ArrayBuffer memory: typed arrays keep their contents outside the JS heap. */
function heapUsed(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const round = (n: number, digits = 0) => Number(n.toFixed(digits));

/**
 * Milliseconds of CPU time used by this process. The machine is shared, so wall-clock time mostly
 * measures the neighbours; CPU time of the one thread doing the work is far steadier and treats both
 * implementations alike.
 */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Repeat `pass` (which performs `opsPerPass` operations) for at least `minMs` of CPU; return ops/s. */
function measure(pass: () => void, opsPerPass: number, minMs: number): number {
  let ops = 0;
  const start = cpuMs();
  let elapsed = 0;
  do {
    pass();
    ops += opsPerPass;
    elapsed = cpuMs() - start;
  } while (elapsed < minMs);
  return (ops / elapsed) * 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Alternate ours/theirs for `rounds` rounds so drift and noise hit both; report medians. */
function compare(
  name: string,
  ours: () => void,
  theirs: () => void,
  opsPerPass: number,
  options: { rounds?: number; minMs?: number; baseline?: string; extra?: Record<string, unknown> } = {},
): void {
  // A loaded machine stretches CPU-time loops in wall time: past the budget, measure briefly and say so.
  const late = performance.now() - started > WALL_BUDGET_MS;
  const rounds = late ? 1 : (options.rounds ?? 5);
  const minMs = late ? 100 : (options.minMs ?? 250);
  // Warm both up so the JIT has settled before timing.
  measure(ours, opsPerPass, minMs / 2);
  measure(theirs, opsPerPass, minMs / 2);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(measure(ours, opsPerPass, minMs));
    b.push(measure(theirs, opsPerPass, minMs));
  }
  // Each round times both back to back, so the median of per-round ratios cancels most of the drift
  // a shared machine adds.
  const ratios = a.map((ours, r) => ours / b[r]!);
  emit({
    case: name,
    ours_ops_s: round(median(a)),
    baseline: options.baseline ?? 'qlobber',
    baseline_ops_s: round(median(b)),
    ratio: round(median(ratios), 2),
    ...options.extra,
    ...(late ? { reduced: true } : {}),
  });
}

function buildOurs(w: Workload): SubscriptionIndex<SubscriptionValue> {
  const index = new SubscriptionIndex<SubscriptionValue>();
  const { filters, values } = w;
  for (let i = 0; i < filters.length; i++) index.add(values[i]!.clientId, filters[i]!, values[i]!);
  return index;
}

function buildQlobber(w: Workload): Qlobber {
  const q = new qlobber.Qlobber<SubscriptionValue>(QLOBBER_OPTIONS);
  const { filters, values } = w;
  for (let i = 0; i < filters.length; i++) q.add(filters[i]!, values[i]!);
  return q;
}

function label(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`;
}

let sink = 0;
const countVisit = (): void => {
  sink++;
};

/** Both implementations must agree before their speed means anything. */
function checkSameAnswers(
  ours: SubscriptionIndex<SubscriptionValue>,
  theirs: Qlobber,
  topics: string[],
): number {
  let total = 0;
  for (const topic of topics.slice(0, 2000)) {
    const a = ours.match(topic, countVisit);
    const b = theirs.match(topic).length;
    if (a !== b) throw new Error(`match count differs for ${topic}: ours ${a}, qlobber ${b}`);
    total += a;
  }
  return total / Math.min(topics.length, 2000);
}

function matchCases(n: number): void {
  const w = makeWorkload({ subscriptions: n, topics: 20_000, seed: SEED + n });
  // Build rates: fresh builds back to back (skipped at 1M, where the measured build below is the sample).
  const oursRates: number[] = [];
  const theirsRates: number[] = [];
  for (let r = 0; r < (n >= 1_000_000 ? 0 : 3); r++) {
    let t = cpuMs();
    buildOurs(w);
    oursRates.push((n / (cpuMs() - t)) * 1000);
    t = cpuMs();
    buildQlobber(w);
    theirsRates.push((n / (cpuMs() - t)) * 1000);
  }
  const before = heapUsed();
  let t = cpuMs();
  const ours = buildOurs(w);
  oursRates.push((n / (cpuMs() - t)) * 1000);
  const afterOurs = heapUsed();
  t = cpuMs();
  const theirs = buildQlobber(w);
  theirsRates.push((n / (cpuMs() - t)) * 1000);
  const afterTheirs = heapUsed();
  const oursBytes = (afterOurs - before) / n;
  const theirsBytes = (afterTheirs - afterOurs) / n;
  emit({
    case: `memory-${label(n)}`,
    ours_ops_s: round(median(oursRates)),
    baseline: 'qlobber',
    baseline_ops_s: round(median(theirsRates)),
    ratio: round(median(oursRates.map((rate, r) => rate / theirsRates[r]!)), 2),
    ours_heap_bytes_per_sub: round(oursBytes, 1),
    baseline_heap_bytes_per_sub: round(theirsBytes, 1),
    heap_ratio: round(oursBytes / theirsBytes, 2),
    note: 'ops_s are adds/s building a fresh index; heap bytes include ArrayBuffers',
  });
  const perTopic = checkSameAnswers(ours, theirs, w.topics);
  const topics = w.topics;
  compare(
    `match-${label(n)}`,
    () => {
      for (let i = 0; i < topics.length; i++) ours.match(topics[i]!, countVisit);
    },
    () => {
      for (let i = 0; i < topics.length; i++) sink += theirs.match(topics[i]!).length;
    },
    topics.length,
    { rounds: n >= 1_000_000 ? 3 : 5, extra: { matches_per_topic: round(perTopic, 2), mix: w.mix } },
  );
  if (n === 100_000) mergedCase(ours, theirs, topics);
}

/** Per-client merge (highest QoS), the way a broker dedups deliveries; qlobber needs a Map on top. */
function mergedCase(ours: SubscriptionIndex<SubscriptionValue>, theirs: Qlobber, topics: string[]): void {
  const merger = mqttMerger<SubscriptionValue>();
  compare(
    'match-merged-100k',
    () => {
      for (let i = 0; i < topics.length; i++) sink += ours.matchMerged(topics[i]!, merger).subscribers.size;
    },
    () => {
      for (let i = 0; i < topics.length; i++) {
        const byClient = new Map<string, MqttDelivery<SubscriptionValue> | number>();
        for (const value of theirs.match(topics[i]!)) {
          const had = byClient.get(value.clientId);
          byClient.set(value.clientId, typeof had === 'number' ? Math.max(had, value.qos) : value.qos);
        }
        sink += byClient.size;
      }
    },
    topics.length,
    { baseline: 'qlobber+Map' },
  );
}

function addRemoveCases(n: number): void {
  const w = makeWorkload({ subscriptions: n, topics: 0, seed: SEED + 1 });
  const { filters, values } = w;
  compare(
    `add-${label(n)}`,
    () => buildOurs(w),
    () => buildQlobber(w),
    n,
    { rounds: 3, minMs: 1 },
  );
  // Remove needs a full index per pass; build it outside the timed part.
  const timeRemove = (build: () => (i: number) => void): number => {
    const remove = build();
    const start = cpuMs();
    for (let i = 0; i < n; i++) remove(i);
    return (n / (cpuMs() - start)) * 1000;
  };
  const oursRates: number[] = [];
  const theirsRates: number[] = [];
  for (let r = 0; r < 3; r++) {
    oursRates.push(
      timeRemove(() => {
        const index = buildOurs(w);
        return (i) => index.remove(values[i]!.clientId, filters[i]!);
      }),
    );
    theirsRates.push(
      timeRemove(() => {
        const q = buildQlobber(w);
        return (i) => q.remove(filters[i]!, values[i]!);
      }),
    );
  }
  emit({
    case: `remove-${label(n)}`,
    ours_ops_s: round(median(oursRates)),
    baseline: 'qlobber',
    baseline_ops_s: round(median(theirsRates)),
    ratio: round(median(oursRates.map((ours, r) => ours / theirsRates[r]!)), 2),
  });
}

/**
 * Retained lookup for a new subscription. aedes-persistence keeps retained messages in a Map and
 * tests every stored topic against a QlobberTrue holding the new filter; that is the baseline.
 */
function retainedCase(stored: number): void {
  // Filters and topics from the same tree as a 100k-subscription broker.
  const w = makeWorkload({ subscriptions: 100_000, topics: 0, seed: SEED + 2 });
  const topics = makeTopics(stored, 100_000, SEED + 4);
  const random = seededRandom(SEED + 3);
  const retained = new RetainedIndex<string>();
  const byTopic = new Map<string, string>();
  for (const topic of topics) {
    retained.set(topic, topic);
    byTopic.set(topic, topic);
  }
  // The scanning baseline costs a full pass over the stored topics per lookup, so keep the list short.
  const lookups = w.filters.filter(() => random() < 0.01).slice(0, 10);
  let oursFound = 0;
  for (const filter of lookups) oursFound += retained.match(filter, countVisit);
  let theirsFound = 0;
  const scan = (filter: string): number => {
    const matcher = new qlobber.QlobberTrue(QLOBBER_OPTIONS);
    matcher.add(filter, true);
    let found = 0;
    for (const topic of byTopic.keys()) if (matcher.test(topic, true)) found++;
    return found;
  };
  for (const filter of lookups) theirsFound += scan(filter);
  if (oursFound !== theirsFound) throw new Error(`retained answers differ: ${oursFound} vs ${theirsFound}`);
  compare(
    `retained-lookup-${label(stored)}`,
    () => {
      for (const filter of lookups) retained.match(filter, countVisit);
    },
    () => {
      for (const filter of lookups) sink += scan(filter);
    },
    lookups.length,
    {
      rounds: 3,
      minMs: 300,
      baseline: 'qlobber-scan',
      extra: { stored_topics: byTopic.size, found_per_lookup: round(oursFound / lookups.length, 1) },
    },
  );
}

const sizes = (process.env.TRIE_BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const groups = new Set((process.env.TRIE_BENCH_ONLY ?? 'match,add-remove,retained').split(','));
// Warm the JIT on both builders so the first measured build is not a cold start.
const warm = makeWorkload({ subscriptions: 20_000, topics: 0, seed: SEED - 1 });
buildOurs(warm);
buildQlobber(warm);
if (groups.has('match')) for (const n of sizes) matchCases(n);
if (groups.has('add-remove')) addRemoveCases(100_000);
if (groups.has('retained')) retainedCase(100_000);
console.error(`topic-trie bench done in ${round((performance.now() - started) / 1000, 1)} s (sink ${sink})`);
