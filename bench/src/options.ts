import { BROKER_NAMES, type BrokerName } from './brokers/broker-process.js';
import { findScenario, SCENARIOS, type Scenario } from './scenarios.js';

/** Benchmark knobs: flags win over environment variables, which win over defaults. */
export interface BenchOptions {
  readonly rounds: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly drainS: number;
  readonly settleS: number;
  readonly scenarios: readonly Scenario[];
  readonly brokers: readonly BrokerName[];
  /** Load-generator worker threads. */
  readonly workers: number;
  /** What opens the conns scenario's connections: the C program (bench/native) or node. */
  readonly connsGenerator: 'c' | 'node';
  /** Start the Node brokers under --cpu-prof and summarise the profiles. */
  readonly profile: boolean;
  readonly quick: boolean;
  /** Where results go; default bench/results. */
  readonly outDir: string | null;
}

export const USAGE = `usage: pnpm bench [-- options]   (or the same names as environment variables)
  --quick              1 round of 2 s per scenario (about 2 minutes)          QUICK=1
  --rounds N           rounds per scenario and broker (3, quick: 1)           ROUNDS
  --duration S         measured seconds per run (5, quick: 2)                 DURATION
  --warmup S           seconds of load before measuring (1, quick: 0.5)       WARMUP
  --scenarios a,b      subset of: ${SCENARIOS.map((s) => s.name).join(' ')}
                                                                              SCENARIOS
  --brokers a,b        subset of: ${BROKER_NAMES.join(' ')} (all available)     BROKERS
  --conns N            idle connections in the conns scenario (10000)        CONNS
  --workers N          load-generator worker threads (2)                      LOAD_WORKERS
  --conns-generator G  c (bench/native/conns.c, built with cc) or node (c)    CONNS_GENERATOR
  --profile            run Node brokers under --cpu-prof, print top functions BENCH_PROFILE=1
  --out DIR            results folder (bench/results)                         BENCH_OUT`;

function list(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return n;
}

const KNOWN = new Set([
  'quick',
  'rounds',
  'duration',
  'warmup',
  'scenarios',
  'brokers',
  'conns',
  'workers',
  'conns-generator',
  'profile',
  'out',
  'help',
]);

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (!arg.startsWith('--')) throw new TypeError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    if (!KNOWN.has(name)) throw new TypeError(`unknown option --${name}`);
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg === '--quick' || arg === '--profile' || arg === '--help') flags.set(arg.slice(2), '1');
    else {
      const value = argv[++i];
      if (value === undefined) throw new TypeError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
    }
  }
  if (flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const pick = (flag: string, variable: string) => flags.get(flag) ?? env[variable];
  const quick = pick('quick', 'QUICK') === '1' || pick('quick', 'QUICK') === 'true';
  const rounds = Math.round(positive('rounds', pick('rounds', 'ROUNDS') ?? (quick ? '1' : '3')));
  const durationS = positive('duration', pick('duration', 'DURATION') ?? (quick ? '2' : '5'));
  const warmupS = Number(pick('warmup', 'WARMUP') ?? (quick ? '0.5' : '1'));
  const conns = Math.round(positive('conns', pick('conns', 'CONNS') ?? '10000'));
  const scenarioNames = list(pick('scenarios', 'SCENARIOS') ?? SCENARIOS.map((s) => s.name).join(','));
  const scenarios = scenarioNames.map((name) => {
    const found = findScenario(name);
    if (!found)
      throw new TypeError(`unknown scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(' ')}`);
    return found.shape === 'conns' ? { ...found, connections: conns } : found;
  });
  const brokers = list(pick('brokers', 'BROKERS') ?? BROKER_NAMES.join(',')).map((name) => {
    if (!(BROKER_NAMES as readonly string[]).includes(name)) throw new TypeError(`unknown broker ${name}`);
    return name as BrokerName;
  });
  const profileValue = pick('profile', 'BENCH_PROFILE');
  const connsGenerator = pick('conns-generator', 'CONNS_GENERATOR') ?? 'c';
  if (connsGenerator !== 'c' && connsGenerator !== 'node')
    throw new TypeError(`conns-generator must be c or node, got ${connsGenerator}`);
  return {
    rounds,
    durationS,
    warmupS: Number.isFinite(warmupS) && warmupS >= 0 ? warmupS : 1,
    drainS: 10,
    settleS: quick ? 2 : 3,
    scenarios,
    brokers,
    workers: Math.round(positive('workers', pick('workers', 'LOAD_WORKERS') ?? '2')),
    connsGenerator,
    profile: profileValue === '1' || profileValue === 'true',
    quick,
    outDir: pick('out', 'BENCH_OUT') ?? null,
  };
}
