import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { KIND_NAMES, type SensorKind } from './sensors/models.js';

export type QoS = 0 | 1 | 2;

interface Common {
  url: string;
  qos: QoS;
  /** Undefined: MQTT 5, falling back to 3.1.1 when the broker refuses 5 (Aedes, older brokers). */
  protocolVersion: 4 | 5 | undefined;
  username: string | undefined;
  password: string | undefined;
  insecure: boolean;
  json: boolean;
}

export interface SensorArgs extends Common {
  mode: 'sensors';
  sensors: number;
  rate: number;
  /** Seconds; 0 runs until SIGINT/SIGTERM. */
  duration: number;
  kinds: SensorKind[];
  prefix: string;
  seed: number | undefined;
  quiet: boolean;
  /** Also subscribe to <prefix>/# and print what the broker delivers. */
  watch: boolean;
}

export interface BenchArgs extends Common {
  mode: 'bench';
  publishers: number;
  subscribers: number;
  payloadSize: number;
  duration: number;
  /** Messages per second per publisher; 0 publishes as fast as the window allows. */
  rate: number;
  topic: string;
  window: number;
  drain: number;
}

export type SimArgs =
  | SensorArgs
  | BenchArgs
  | { mode: 'exit'; exitCode: number; stdout: string; stderr: string };

export const URL_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:'] as const;

function parseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError(
      'expected a URL such as mqtt://127.0.0.1:1883 or ws://127.0.0.1:8083/mqtt',
    );
  }
  if (!(URL_SCHEMES as readonly string[]).includes(url.protocol)) {
    throw new InvalidArgumentError(
      `expected a mqtt://, mqtts://, ws:// or wss:// URL, got ${url.protocol}//`,
    );
  }
  return raw;
}

const integer = (min: number, max: number) => (raw: string) => {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
  }
  return value;
};

const positive = (max: number) => (raw: string) => {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new InvalidArgumentError(`expected a number above 0 and at most ${max}`);
  }
  return value;
};

const nonNegative = (max: number) => (raw: string) => {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(`expected a number from 0 to ${max}`);
  }
  return value;
};

function parseKinds(raw: string): SensorKind[] {
  const kinds = raw
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(KIND_NAMES as string[]).includes(k));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${KIND_NAMES.join(', ')}`);
  }
  return kinds as SensorKind[];
}

function parseTopicPrefix(raw: string): string {
  if (raw === '' || /[#+\0]/.test(raw) || raw.startsWith('/') || raw.endsWith('/')) {
    throw new InvalidArgumentError(
      'expected a topic without wildcards and without a leading or trailing "/"',
    );
  }
  return raw;
}

function commonOptions(command: Command, defaults: { qos: QoS }): Command {
  return command
    .addOption(
      new Option('-u, --url <url>', 'broker URL: mqtt://, mqtts://, ws:// or wss://')
        .default('mqtt://127.0.0.1:1883')
        .argParser(parseUrl),
    )
    .addOption(
      new Option('-q, --qos <qos>', 'QoS of the published messages')
        .default(defaults.qos)
        .argParser(integer(0, 2)),
    )
    .addOption(
      new Option(
        '--mqtt-version <version>',
        'MQTT protocol version: 4 (3.1.1) or 5 (default: 5, or 4 when the broker refuses 5)',
      ).argParser((raw: string) => {
        if (raw !== '4' && raw !== '5') throw new InvalidArgumentError('expected 4 or 5');
        return Number(raw);
      }),
    )
    .option('--username <name>', 'user name for CONNECT')
    .option(
      '--password <secret>',
      'password for CONNECT (visible to other local users; prefer MQ_SIM_PASSWORD)',
    )
    .option(
      '--insecure',
      'mqtts/wss: accept a certificate that does not verify (self-signed test brokers)',
      false,
    );
}

const SENSORS_HELP = `
Each sensor is one MQTT client. It publishes JSON readings to <prefix>/<kind>/<room>/<id>, e.g.
  sensors/temperature/kitchen/temperature-1  {"id":"temperature-1","kind":"temperature","room":"kitchen",
                                              "value":21.4,"unit":"°C","ts":1764170000000,"seq":3}
and keeps a retained <topic>/status of "online"; its will (and a clean stop) sets it to "offline".
Kinds: temperature (°C), humidity (%), light (lx), motion (true/false), power (W); values follow a
random walk within physical bounds and, where it fits, the time of day.

On a terminal a status line shows connected sensors, messages/s, acknowledged messages and errors;
a summary is printed at the end (a JSON line with --json). Sensors reconnect by themselves.

Exit codes: 0 done, 1 no sensor could connect, 2 bad flag.

Examples:
  mq-sim --url mqtt://127.0.0.1:1883 --sensors 5
  mq-sim --sensors 5 --watch          # and print the readings as the broker delivers them
  mq-sim --url ws://127.0.0.1:8083/mqtt --sensors 20 --rate 0.2 --qos 0 --duration 60
  mq-sim bench --url mqtt://127.0.0.1:1883 --publishers 4 --subscribers 2 --qos 1 --duration 10
  mq-sim bench --help
`;

const BENCH_HELP = `
P publishers send messages of --payload-size bytes to <topic>/<run>/<publisher>; S subscribers
subscribe to <topic>/<run>/# at the same QoS. Each payload carries the publisher, a sequence number
and the send time, so every subscriber measures end-to-end latency and counts lost and duplicated
messages. Publishing stops after --duration seconds; subscribers then get up to --drain seconds to
receive what is still on its way.

The last line on stdout is one JSON object:
  {"mode":"bench","published":..,"expected":..,"delivered":..,"deliveredPerSec":..,"lost":..,
   "duplicates":..,"latencyMs":{"p50":..,"p95":..,"p99":..,"max":..},...}
"expected" is published x subscribers; "lost" is expected minus unique deliveries (QoS 0 may lose).

Works against any MQTT broker (@mq/broker, Aedes, Mosquitto, ...).

Exit codes: 0 done, 1 could not connect, 2 bad flag.
`;

/** Parses argv (without node and script); never exits the process, so it can be tested. */
export function parseArgs(argv: readonly string[], version: string): SimArgs {
  let stdout = '';
  let stderr = '';
  let result: SimArgs | undefined;
  const program = new Command('mq-sim')
    .description('Simulated MQTT sensors, and a bench mode that measures a broker.')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .enablePositionalOptions()
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        stdout += text;
      },
      writeErr: (text) => {
        stderr += text;
      },
    });

  commonOptions(program, { qos: 1 })
    .addOption(new Option('-n, --sensors <n>', 'number of sensors').default(5).argParser(integer(1, 10_000)))
    .addOption(
      new Option('-r, --rate <r>', 'readings per second per sensor (0.2 = one every 5 s)')
        .default(1)
        .argParser(positive(1000)),
    )
    .addOption(
      new Option('-d, --duration <s>', 'seconds to run; 0 runs until Ctrl+C')
        .default(0)
        .argParser(nonNegative(1e7)),
    )
    .addOption(
      new Option(
        '--kinds <list>',
        `comma-separated kinds to simulate (default: all of ${KIND_NAMES.join(', ')})`,
      ).argParser(parseKinds),
    )
    .addOption(
      new Option('--prefix <topic>', 'first topic level(s)').default('sensors').argParser(parseTopicPrefix),
    )
    .addOption(new Option('--seed <n>', 'seed for reproducible readings').argParser(integer(0, 2 ** 32 - 1)))
    .option('--json', 'print the final summary as a JSON line', false)
    .option('--quiet', 'no live status line', false)
    .option(
      '--watch',
      "also subscribe to <prefix>/# and print each delivered message as 'topic payload'",
      false,
    )
    .addHelpText('after', SENSORS_HELP)
    .action((opts: Record<string, unknown>) => {
      result = {
        mode: 'sensors',
        ...common(opts),
        sensors: opts.sensors as number,
        rate: opts.rate as number,
        duration: opts.duration as number,
        kinds: (opts.kinds as SensorKind[] | undefined) ?? [...KIND_NAMES],
        prefix: opts.prefix as string,
        seed: opts.seed as number | undefined,
        quiet: opts.quiet === true,
        watch: opts.watch === true,
      };
    });

  const bench = program
    .command('bench')
    .description('measure a broker: throughput, latency, loss, duplicates');
  commonOptions(bench, { qos: 0 })
    .addOption(
      new Option('-P, --publishers <n>', 'publishing clients').default(1).argParser(integer(1, 1000)),
    )
    .addOption(
      new Option('-S, --subscribers <n>', 'subscribing clients').default(1).argParser(integer(1, 1000)),
    )
    .addOption(
      new Option('-s, --payload-size <bytes>', 'payload size, at least 24')
        .default(64)
        .argParser(integer(24, 16 * 2 ** 20)),
    )
    .addOption(
      new Option('-d, --duration <s>', 'seconds of publishing').default(10).argParser(positive(86_400)),
    )
    .addOption(
      new Option('-r, --rate <r>', 'messages per second per publisher; 0 = as fast as possible')
        .default(0)
        .argParser(nonNegative(1e7)),
    )
    .addOption(new Option('--topic <prefix>', 'topic prefix').default('mq-bench').argParser(parseTopicPrefix))
    .addOption(
      new Option(
        '--window <n>',
        'publishes a publisher may have unfinished (not yet written or acknowledged)',
      )
        .default(100)
        .argParser(integer(1, 65_535)),
    )
    .addOption(
      new Option('--drain <s>', 'seconds to wait for late deliveries after publishing stops')
        .default(5)
        .argParser(nonNegative(600)),
    )
    .addHelpText('after', BENCH_HELP)
    .action((opts: Record<string, unknown>) => {
      result = {
        mode: 'bench',
        ...common(opts),
        json: true,
        publishers: opts.publishers as number,
        subscribers: opts.subscribers as number,
        payloadSize: opts.payloadSize as number,
        duration: opts.duration as number,
        rate: opts.rate as number,
        topic: opts.topic as string,
        window: opts.window as number,
        drain: opts.drain as number,
      };
    });

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const exitCode = error.exitCode === 0 ? 0 : 2;
    if (exitCode !== 0) stderr += "Run 'mq-sim --help' (or 'mq-sim bench --help') for usage.\n";
    return { mode: 'exit', exitCode, stdout, stderr };
  }
  if (!result) return { mode: 'exit', exitCode: 2, stdout, stderr: `${stderr}mq-sim: nothing to do\n` };
  return result;
}

function common(opts: Record<string, unknown>): Common {
  return {
    url: opts.url as string,
    qos: opts.qos as QoS,
    protocolVersion: opts.mqttVersion as 4 | 5 | undefined,
    username: opts.username as string | undefined,
    password: opts.password as string | undefined,
    insecure: opts.insecure === true,
    json: opts.json === true,
  };
}
