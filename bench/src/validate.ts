import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBroker } from './brokers/broker-process.js';
import { nativeConnsGenerator } from './load/native-conns.js';
import { runLoad } from './load/run-load.js';
import { median } from './report.js';
import { findScenario, SCENARIOS, type Scenario } from './scenarios.js';

/**
 * Generator check: drives fresh Mosquitto instances alternately with an
 * external load generator (mqload, the C program from the reference figures;
 * path in MQLOAD) and with ours, same scenario and timing. If ours reaches the
 * same rate with the broker as busy, the generator is not the bottleneck.
 * Optional: `pnpm bench` never needs it.
 */

const run = promisify(execFile);
const mqload = process.env.MQLOAD;
if (!mqload) {
  process.stderr.write('set MQLOAD to an mqload binary (gcc -O2 -std=gnu11 -o /tmp/mqload mqload.c)\n');
  process.exit(2);
}
const rounds = Number(process.env.ROUNDS ?? 3);
const durationS = Number(process.env.DURATION ?? 5);
const warmupS = Number(process.env.WARMUP ?? 1);
const names = (
  process.env.SCENARIOS ?? 'fanin-q0 fanin-q1 fanout-q0 pairs-q0 pairs-q1 pairs-q1-r100 conns'
).split(/[\s,]+/);
const scenarios = names.map((n) => findScenario(n) ?? SCENARIOS[0]);

/** mqload arguments for a scenario, as the reference compare.sh builds them. */
function mqloadArgs(s: Scenario, port: number, pid: number): string[] {
  if (s.shape === 'conns')
    return [
      '-s',
      'conns',
      '-C',
      String(s.connections),
      '--settle',
      '3',
      '-p',
      String(port),
      '-b',
      String(pid),
    ];
  const count =
    s.shape === 'fanin'
      ? ['-P', String(s.publishers)]
      : s.shape === 'fanout'
        ? ['-S', String(s.subscribers)]
        : ['-N', String(s.publishers)];
  const pace = s.rate > 0 ? ['-r', String(s.rate), '--poll-us', '0'] : ['--poll-us', '200'];
  return [
    '-s',
    s.shape,
    '-q',
    String(s.qos),
    ...count,
    '-m',
    String(s.payload),
    '-d',
    String(durationS),
    '-w',
    String(warmupS),
    ...pace,
    '-p',
    String(port),
    '-b',
    String(pid),
  ];
}

interface Sample {
  value: number;
  p50Us: number;
  p99Us: number;
  brokerPct: number;
  loaderPct: number;
}

/** The fields of mqload's JSON line used here. */
interface MqloadLine {
  connects_per_s?: number;
  msgs_per_s?: number;
  latency_us?: { p50: number; p99: number };
  cpu?: { broker_pct: number; loader_pct: number };
}

async function sampleMqload(s: Scenario): Promise<Sample> {
  const broker = await startBroker('mosquitto');
  try {
    const { stdout } = await run(mqload!, mqloadArgs(s, broker.port, broker.pid), { timeout: 180_000 });
    const r = JSON.parse(stdout) as MqloadLine;
    if (s.shape === 'conns')
      return { value: r.connects_per_s ?? -1, p50Us: -1, p99Us: -1, brokerPct: -1, loaderPct: -1 };
    return {
      value: r.msgs_per_s ?? -1,
      p50Us: r.latency_us?.p50 ?? -1,
      p99Us: r.latency_us?.p99 ?? -1,
      brokerPct: r.cpu?.broker_pct ?? -1,
      loaderPct: r.cpu?.loader_pct ?? -1,
    };
  } finally {
    await broker.stop();
  }
}

/** conns on the C generator, as `pnpm bench` runs it, unless CONNS_GENERATOR=node or it cannot be built. */
function connsGeneratorPath(): string | null {
  if (process.env.CONNS_GENERATOR === 'node') return null;
  const built = nativeConnsGenerator();
  return 'path' in built ? built.path : null;
}

async function sampleOurs(s: Scenario): Promise<Sample> {
  const broker = await startBroker('mosquitto');
  try {
    const r = await runLoad({
      broker: async () => broker,
      scenario: s,
      durationS,
      warmupS,
      drainS: 10,
      settleS: 3,
      workers: Number(process.env.LOAD_WORKERS ?? 2),
      flow: { inflight: 20, window: 100, resumePct: 25 },
      maxPending: 100,
      setupTimeoutS: 60,
      connsGenerator: connsGeneratorPath(),
    });
    if (r.kind === 'connections')
      return {
        value: r.connectsPerS,
        p50Us: -1,
        p99Us: -1,
        brokerPct: r.cpu.brokerPct,
        loaderPct: r.cpu.loaderPct,
      };
    return { value: r.msgsPerS, p50Us: r.latencyUs.p50, p99Us: r.latencyUs.p99, ...r.cpu };
  } finally {
    await broker.stop();
  }
}

const outDir = join(fileURLToPath(new URL('..', import.meta.url)), 'results');
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const jsonl = join(outDir, `validate-${stamp}.jsonl`);
const rows: string[] = [
  '| scenario | mqload | ours | ours/mqload | mosquitto deliveries per CPU-s (mqload / ours) | mosquitto CPU % (mqload / ours) | loader CPU % (mqload / ours) | p50 / p99 ms (mqload / ours) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const s of scenarios) {
  const samples = { mqload: [] as Sample[], ours: [] as Sample[] };
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? (['mqload', 'ours'] as const) : (['ours', 'mqload'] as const);
    for (const who of order) {
      const sample = who === 'mqload' ? await sampleMqload(s) : await sampleOurs(s);
      samples[who].push(sample);
      appendFileSync(jsonl, `${JSON.stringify({ scenario: s.name, loader: who, round, ...sample })}\n`);
      process.stderr.write(
        `${s.name} ${who} round ${round}: ${Math.round(sample.value)} (${sample.brokerPct}% broker, ${sample.loaderPct}% loader)\n`,
      );
    }
  }
  const med = (who: 'mqload' | 'ours', pick: (x: Sample) => number) =>
    Math.round((median(samples[who].map(pick)) ?? -1) * 10) / 10;
  const ratios = samples.ours.map((o, i) => o.value / (samples.mqload[i]?.value || 1));
  const ms = (us: number) => (us < 0 ? '-' : (us / 1000).toFixed(2));
  // What a message costs Mosquitto: robust when the shared machine starves it of CPU.
  const perCpu = (who: 'mqload' | 'ours') => {
    const m = median(samples[who].filter((x) => x.brokerPct > 0).map((x) => x.value / (x.brokerPct / 100)));
    return m === null ? '-' : Math.round(m).toLocaleString('en-US');
  };
  rows.push(
    `| ${s.name} | ${Math.round(med('mqload', (x) => x.value)).toLocaleString('en-US')} | ${Math.round(med('ours', (x) => x.value)).toLocaleString('en-US')} | ${(median(ratios) ?? 0).toFixed(2)} | ${perCpu('mqload')} / ${perCpu('ours')} | ${med('mqload', (x) => x.brokerPct)} / ${med('ours', (x) => x.brokerPct)} | ${med('mqload', (x) => x.loaderPct)} / ${med('ours', (x) => x.loaderPct)} | ${ms(med('mqload', (x) => x.p50Us))} / ${ms(med('ours', (x) => x.p50Us))}, ${ms(med('mqload', (x) => x.p99Us))} / ${ms(med('ours', (x) => x.p99Us))} |`,
  );
}
const markdown = `${rows.join('\n')}\n`;
writeFileSync(join(outDir, `validate-${stamp}.md`), markdown);
process.stdout.write(markdown);
