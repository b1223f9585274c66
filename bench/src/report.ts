import type { BrokerName, BrokerStats } from './brokers/broker-process.js';
import type { LoadResult } from './load/run-load.js';
import type { Scenario } from './scenarios.js';

/** One broker run of one scenario: the JSON line written to results/<time>.jsonl. */
export type RunRecord = {
  scenario: string;
  broker: BrokerName;
  round: number;
  startedAt: string;
  /** @mq/broker's own counters at the end of the run (other brokers report none). */
  brokerStats?: BrokerStats;
} & LoadResult;

interface Metric {
  readonly label: string;
  readonly unit: string;
  readonly lowerIsBetter: boolean;
  value(record: RunRecord): number | null;
  format(value: number): string;
}

const integer = (v: number) => Math.round(v).toLocaleString('en-US');
const millis = (us: number) => (us / 1000).toFixed(2);

function throughput(record: RunRecord): number | null {
  return record.kind === 'throughput' && !record.aborted ? record.msgsPerS : null;
}

/** What each scenario reports; the latency and connection scenarios have two rows. */
export function metricsFor(scenario: Scenario): Metric[] {
  if (scenario.metric === 'latency') {
    const latency = (pick: 'p50' | 'p99') => (r: RunRecord) =>
      r.kind === 'throughput' && !r.aborted && r.latencyUs.n > 0 ? r.latencyUs[pick] : null;
    return [
      { label: 'p50 latency', unit: 'ms', lowerIsBetter: true, value: latency('p50'), format: millis },
      { label: 'p99 latency', unit: 'ms', lowerIsBetter: true, value: latency('p99'), format: millis },
    ];
  }
  if (scenario.metric === 'connections') {
    return [
      {
        label: 'connects',
        unit: 'per s',
        lowerIsBetter: false,
        value: (r) => (r.kind === 'connections' && r.connected > 0 ? r.connectsPerS : null),
        format: integer,
      },
      {
        label: 'broker RSS per connection',
        unit: 'bytes',
        lowerIsBetter: true,
        value: (r) =>
          r.kind === 'connections' && r.rssBytesPerConnection > 0 ? r.rssBytesPerConnection : null,
        format: integer,
      },
    ];
  }
  return [
    { label: 'deliveries', unit: 'per s', lowerIsBetter: false, value: throughput, format: integer },
    {
      // Throughput divided by the broker's CPU use: what a message costs, robust
      // when other processes on a shared machine starve the broker of CPU.
      label: 'deliveries per broker CPU-second',
      unit: 'per CPU-s',
      lowerIsBetter: false,
      value: (r) => {
        const rate = throughput(r);
        return rate !== null && r.kind === 'throughput' && r.cpu.brokerPct > 0
          ? rate / (r.cpu.brokerPct / 100)
          : null;
      },
      format: integer,
    },
  ];
}

/** The issue's reference figures (independent C generator, 2 cores): [mosquitto, aedes]. */
const REFERENCE: Record<string, Array<[number, number]>> = {
  'fanin-q0': [[176_634, 113_980]],
  'fanin-q1': [[109_362, 78_350]],
  'fanin-q0-4k': [[95_622, 74_893]],
  'fanout-q0': [[229_422, 133_848]],
  'pairs-q0': [[137_065, 109_777]],
  'pairs-q1': [[65_920, 64_610]],
  'pairs-q2': [[39_152, 30_520]],
  'pairs-q1-r100': [
    [40, 110],
    [120, 960],
  ],
  conns: [
    [28_486, 4_259],
    [733, 14_455],
  ],
};

/** Marks a figure whose runs lost messages: it is not comparable with a lossless one. */
function lossNote(runs: readonly RunRecord[]): string {
  let lost = 0;
  let expected = 0;
  for (const r of runs) {
    if (r.kind !== 'throughput') continue;
    lost += Math.max(0, r.lost);
    expected += r.expected;
  }
  return lost > 0 ? ` (lost ${((lost / expected) * 100).toFixed(1)} %)` : '';
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function valuesOf(records: readonly RunRecord[], broker: BrokerName, metric: Metric): Map<number, number> {
  const byRound = new Map<number, number>();
  for (const record of records) {
    if (record.broker !== broker) continue;
    const value = metric.value(record);
    if (value !== null) byRound.set(record.round, value);
  }
  return byRound;
}

/** Median over rounds of subject/other measured in the same round (as the reference compare.sh does). */
function pairedRatio(subject: Map<number, number>, other: Map<number, number>): number | null {
  const ratios: number[] = [];
  for (const [round, value] of subject) {
    const against = other.get(round);
    if (against !== undefined && against > 0) ratios.push(value / against);
  }
  return median(ratios);
}

export function summarizeRuns(
  scenarios: readonly Scenario[],
  brokers: readonly BrokerName[],
  records: readonly RunRecord[],
): string {
  const subject = brokers[0];
  const others = brokers.slice(1);
  const header = [
    'scenario',
    'metric',
    ...brokers,
    ...others.map((o) => `${subject}/${o}`),
    'reference mosquitto / aedes',
  ];
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const runs = records.filter((r) => r.scenario === scenario.name);
    metricsFor(scenario).forEach((metric, i) => {
      const values = new Map(brokers.map((b) => [b, valuesOf(runs, b, metric)]));
      const cells = brokers.map((b) => {
        const m = median([...values.get(b)!.values()]);
        return m === null ? 'n/a' : `${metric.format(m)}${lossNote(runs.filter((r) => r.broker === b))}`;
      });
      const ratios = others.map((o) => {
        const ratio = subject ? pairedRatio(values.get(subject)!, values.get(o)!) : null;
        return ratio === null ? 'n/a' : `${ratio.toFixed(2)}`;
      });
      const reference = REFERENCE[scenario.name]?.[i];
      const unit = `${metric.label}, ${metric.unit}${metric.lowerIsBetter ? ' (lower is better)' : ''}`;
      rows.push([
        scenario.name,
        unit,
        ...cells,
        ...ratios,
        reference ? `${metric.format(reference[0])} / ${metric.format(reference[1])}` : '',
      ]);
    });
  }
  const notes = generatorNotes(scenarios, brokers, records);
  return [
    table(header, rows),
    '',
    ...(notes.length > 0 ? [...notes, ''] : []),
    integrityTable(scenarios, brokers, records),
  ].join('\n');
}

/**
 * Median CPU per generator thread, in % of a core, at or above which a figure measures the generator as
 * much as the broker. Records from before `loadThreads` ran conns on one thread, the rest on two.
 */
const GENERATOR_BOUND_PCT = 90;

/** A note under the table for each scenario whose generator ran near its CPU ceiling. */
function generatorNotes(
  scenarios: readonly Scenario[],
  brokers: readonly BrokerName[],
  records: readonly RunRecord[],
): string[] {
  const notes: string[] = [];
  for (const scenario of scenarios) {
    const busy = brokers.flatMap((broker) => {
      const perThread = records
        .filter((r) => r.scenario === scenario.name && r.broker === broker && r.cpu.loaderPct >= 0)
        .map((r) => r.cpu.loaderPct / (r.loadThreads ?? (r.kind === 'connections' ? 1 : 2)));
      const pct = median(perThread);
      return pct !== null && pct >= GENERATOR_BOUND_PCT ? [`${Math.round(pct)} % (${broker})`] : [];
    });
    if (busy.length > 0) {
      notes.push(
        `Generator-bound: in \`${scenario.name}\` the load generator used ${busy.join(', ')} of a core per thread, so these figures are bounded by the generator as well as by the broker (docs/performance.md, section 11).`,
      );
    }
  }
  return notes;
}

/** Per scenario and broker: what was lost, duplicated or wrong, and where the CPU went. */
function integrityTable(
  scenarios: readonly Scenario[],
  brokers: readonly BrokerName[],
  records: readonly RunRecord[],
): string {
  const header = [
    'scenario',
    'broker',
    'runs',
    'aborted',
    'lost',
    'duplicates',
    'errors',
    'broker-side drops',
    'broker CPU %',
    'loader CPU %',
  ];
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    for (const broker of brokers) {
      const runs = records.filter((r) => r.scenario === scenario.name && r.broker === broker);
      if (runs.length === 0) continue;
      const sum = (pick: (r: RunRecord) => number) => runs.reduce((s, r) => s + pick(r), 0);
      const cpu = (pick: 'brokerPct' | 'loaderPct') => {
        const m = median(runs.flatMap((r) => (r.cpu[pick] >= 0 ? [r.cpu[pick]] : [])));
        return m === null ? '' : m.toFixed(0);
      };
      rows.push([
        scenario.name,
        broker,
        String(runs.length),
        String(runs.filter((r) => r.aborted).length),
        String(sum((r) => (r.kind === 'throughput' ? r.lost : 0))),
        String(sum((r) => (r.kind === 'throughput' ? r.duplicates : 0))),
        String(sum((r) => r.errors)),
        brokerDrops(runs),
        cpu('brokerPct'),
        cpu('loaderPct'),
      ]);
    }
  }
  return table(header, rows);
}

/**
 * What the broker says it dropped (QoS 0 to a backed-up socket, full queues, oversize, expired) and how often
 * it held a publisher back; blank for brokers that do not report (Aedes, Mosquitto).
 */
function brokerDrops(runs: readonly RunRecord[]): string {
  const reports = runs.flatMap((r) => (r.brokerStats ? [r.brokerStats] : []));
  if (reports.length === 0) return '';
  const sum = (pick: (s: BrokerStats) => number) => reports.reduce((total, s) => total + pick(s), 0);
  const dropped = sum((s) => s.qos0Dropped + s.queueDropped + s.oversizeDropped + s.expiredDropped);
  const holds = sum((s) => s.publisherHolds);
  return `${dropped} (${holds} holds)`;
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A one-line progress note for stderr after each run. */
export function describeRun(record: RunRecord): string {
  const head = `${record.scenario} ${record.broker} round ${record.round}:`;
  if (record.kind === 'connections') {
    return `${head} ${record.connected} connected at ${integer(record.connectsPerS)}/s, ${integer(record.rssBytesPerConnection)} B/conn, broker CPU ${record.cpu.brokerPct}%, loader CPU ${record.cpu.loaderPct}%, errors ${record.errors}`;
  }
  const latency = record.latencyUs;
  const stats = record.brokerStats;
  const dropped = stats
    ? stats.qos0Dropped + stats.queueDropped + stats.oversizeDropped + stats.expiredDropped
    : 0;
  const brokerSide = stats ? `, broker dropped ${dropped}, held publishers ${stats.publisherHolds}x` : '';
  return `${head} ${integer(record.msgsPerS)} msg/s, lost ${record.lost}, dup ${record.duplicates}, p50 ${millis(latency.p50)} ms, p99 ${millis(latency.p99)} ms, broker CPU ${record.cpu.brokerPct}%, loader CPU ${record.cpu.loaderPct}%, errors ${record.errors}${brokerSide}${record.aborted ? ` ABORTED (${record.abortReason})` : ''}`;
}
