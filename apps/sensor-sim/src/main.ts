import { version } from '../package.json';
import { parseArgs } from './args.js';
import { BenchConnectError, runBench } from './bench/bench-run.js';
import { formatSummary, runSensors } from './sensor-run.js';

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    let seen = false;
    const onSignal = () => {
      if (seen) process.exit(130);
      seen = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = parseArgs(argv, version);
  if (args.mode === 'exit') {
    process.stdout.write(args.stdout);
    process.stderr.write(args.stderr);
    return args.exitCode;
  }
  const io = { env, stdout: process.stdout, stderr: process.stderr, stop: stopSignal() };
  if (args.mode === 'bench') {
    try {
      const report = await runBench(args, io);
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof BenchConnectError)) throw error;
      process.stderr.write(`mq-sim: ${error.message}\n`);
      return 1;
    }
  }
  process.stderr.write(
    `mq-sim: ${args.sensors} sensors -> ${args.url}, ${args.rate}/s each at QoS ${args.qos}` +
      `${args.duration > 0 ? ` for ${args.duration} s` : ' until Ctrl+C'}; topics ${args.prefix}/<kind>/<room>/<id>\n`,
  );
  const summary = await runSensors(args, io);
  process.stdout.write(`${args.json ? JSON.stringify(summary) : formatSummary(summary)}\n`);
  if (!summary.everConnected) {
    process.stderr.write(`mq-sim: no sensor could connect to ${args.url}\n`);
    return 1;
  }
  return 0;
}
