import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BrokerName,
  mqUsesSources,
  type RunningBroker,
  startBroker,
  unavailableReason,
} from './brokers/broker-process.js';
import { nativeConnsGenerator } from './load/native-conns.js';
import { runLoad } from './load/run-load.js';
import { parseOptions, USAGE } from './options.js';
import { busyShare, summarizeProfile } from './profile-summary.js';
import { describeRun, type RunRecord, summarizeRuns } from './report.js';

/**
 * The broker benchmark: for every scenario, round after round, start each
 * broker fresh, drive it with the same load, stop it. The order of brokers
 * alternates every round (A B C, C B A, ...) so none always runs first.
 */

const log = (line: string) => process.stderr.write(`${line}\n`);

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (error) {
  log((error as Error).message);
  log(USAGE);
  process.exit(2);
}

const brokers: BrokerName[] = [];
for (const name of options.brokers) {
  const reason = unavailableReason(name);
  if (reason) log(`skipping ${name}: ${reason}`);
  else brokers.push(name);
}
if (brokers.length === 0) {
  log('no broker can run here');
  process.exit(1);
}
if (brokers.includes('mq') && mqUsesSources())
  log('note: packages/broker/dist is missing; running @mq/broker from its sources');

// conns runs on the C generator unless told otherwise or it cannot be built (no C compiler).
let connsGenerator: string | null = null;
let connsGeneratorName = 'node (worker thread on libuv handles)';
if (options.connsGenerator === 'c' && options.scenarios.some((s) => s.shape === 'conns')) {
  const built = nativeConnsGenerator();
  if ('path' in built) {
    connsGenerator = built.path;
    connsGeneratorName = 'C (bench/native/conns.c)';
  } else {
    log(`note: cannot build the C conns generator (${built.error.split('\n')[0]});`);
    log('      conns runs on the node generator, which tops out near 16,000 connects/s on two cores');
  }
}

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const outDir = options.outDir ?? join(packageDir, 'results');
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const jsonlPath = join(outDir, `${stamp}.jsonl`);
const markdownPath = join(outDir, `${stamp}.md`);
const profileDir = join(outDir, `${stamp}-profiles`);
const runs = options.scenarios.length * options.rounds * brokers.length;
log(
  `broker benchmark: ${brokers.join(', ')}; ${options.scenarios.length} scenarios x ${options.rounds} rounds (${runs} runs), ${options.durationS} s measured after ${options.warmupS} s warm-up`,
);

const records: RunRecord[] = [];
let done = 0;
for (const scenario of options.scenarios) {
  for (let round = 1; round <= options.rounds; round++) {
    const order = round % 2 === 1 ? brokers : [...brokers].reverse();
    for (const name of order) {
      done++;
      const started: { broker?: RunningBroker } = {};
      try {
        const nodeArgs =
          options.profile && name !== 'mosquitto'
            ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${scenario.name}-${name}-${round}`)}`]
            : [];
        const result = await runLoad({
          broker: async () => {
            const broker = await startWithRetry(name, nodeArgs);
            started.broker = broker;
            // Let the new process settle (JIT of startup code, first GC) before loading it.
            await new Promise((resolve) => setTimeout(resolve, 300));
            return broker;
          },
          scenario,
          durationS: options.durationS,
          warmupS: options.warmupS,
          drainS: options.drainS,
          settleS: options.settleS,
          workers: options.workers,
          flow: { inflight: 20, window: 100, resumePct: 25 },
          maxPending: 100,
          setupTimeoutS: 60,
          connsGenerator,
        });
        // Stopped before the record is written: @mq/broker reports its own drop counters as it stops.
        const brokerStats = await started.broker?.stop();
        const record: RunRecord = {
          scenario: scenario.name,
          broker: name,
          round,
          startedAt: new Date().toISOString(),
          ...result,
          ...(brokerStats ? { brokerStats } : {}),
        };
        records.push(record);
        appendFileSync(jsonlPath, `${JSON.stringify(record)}\n`);
        log(`[${done}/${runs}] ${describeRun(record)}`);
      } catch (error) {
        log(`[${done}/${runs}] ${scenario.name} ${name} round ${round} failed: ${(error as Error).message}`);
      } finally {
        await started.broker?.stop();
      }
    }
  }
}

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const command = `pnpm bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
const lines = [
  `# Broker benchmark, ${new Date().toISOString()}`,
  '',
  `Command: \`${command}\` (rounds ${options.rounds}, ${options.durationS} s measured after ${options.warmupS} s warm-up, ${options.workers} load workers, 64 B payload unless named, MQTT 3.1.1). Medians over rounds; ratios are medians of per-round ratios.${options.scenarios.some((s) => s.shape === 'conns') ? ` \`conns\` ran on the ${connsGeneratorName} generator.` : ''}`,
  '',
  summarizeRuns(options.scenarios, brokers, records),
  '',
];
if (options.profile) {
  lines.push('## Profiles (top self time)', '');
  for (const dir of safeList(profileDir)) {
    const files = safeList(join(profileDir, dir)).filter((f) => f.endsWith('.cpuprofile'));
    // Skip helper threads that idled all along (tsx's loader thread).
    for (const file of files.filter((f) => busyShare(join(profileDir, dir, f)) > 0.05)) {
      const path = join(profileDir, dir, file);
      lines.push(`### ${dir} (${relative(packageDir, path)})`, '', summarizeProfile(path, 15), '');
    }
  }
}
const markdown = lines.join('\n');
writeFileSync(markdownPath, markdown);
process.stdout.write(`${markdown}\n`);
log(`results: ${relative(process.cwd(), markdownPath)}, ${relative(process.cwd(), jsonlPath)}`);

/**
 * A broker that fails to start is tried twice more after a pause: on a shared
 * machine a concurrent `turbo build` can briefly remove the dist it imports.
 */
async function startWithRetry(name: BrokerName, nodeArgs: string[]): Promise<RunningBroker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBroker(name, { nodeArgs });
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`${name} did not start (${(error as Error).message.split('\n')[0]}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
