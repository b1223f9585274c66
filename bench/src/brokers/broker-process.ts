import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Starts and stops one broker per run, each in its own process so its CPU and RSS can be read. */

export const BROKER_NAMES = ['mq', 'aedes', 'mosquitto'] as const;
export type BrokerName = (typeof BROKER_NAMES)[number];

/** Counters @mq/broker reports as it stops (mq-server.mjs); the other brokers report none. */
export interface BrokerStats {
  readonly qos0Dropped: number;
  readonly queueDropped: number;
  readonly oversizeDropped: number;
  readonly expiredDropped: number;
  readonly publisherHolds: number;
}

export interface RunningBroker {
  readonly name: BrokerName;
  readonly pid: number;
  readonly port: number;
  /** Stops the broker; resolves with the counters it printed on the way out, if any. */
  stop(): Promise<BrokerStats | undefined>;
}

export interface StartOptions {
  /** Extra node flags for the Node brokers, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  readonly startTimeoutS?: number;
}

const brokersDir = fileURLToPath(new URL('.', import.meta.url));
const brokerPackageDist = fileURLToPath(new URL('../../../packages/broker/dist/index.js', import.meta.url));

/** Why a broker cannot run here, or null when it can. */
export function unavailableReason(name: BrokerName): string | null {
  if (name === 'mosquitto') {
    const probe = spawnSync('mosquitto', ['-h'], { encoding: 'utf8' });
    return probe.error ? 'mosquitto is not installed (apt-get install -y mosquitto)' : null;
  }
  if (name === 'mq') {
    const probe = spawnSync(process.execPath, [...mqNodeFlags(), '--input-type=module', '-e', mqProbe], {
      encoding: 'utf8',
      cwd: brokersDir,
    });
    return probe.status === 0
      ? null
      : `@mq/broker cannot start: ${(probe.stderr || probe.stdout).trim().split('\n')[0]}`;
  }
  return null;
}

const mqProbe = `const m = await import('@mq/broker'); if (typeof m.createBroker !== 'function') { console.error('no createBroker export'); process.exit(1); }`;

/** The built package when it exists (what users run), else its TypeScript sources through tsx. */
function mqNodeFlags(): string[] {
  return existsSync(brokerPackageDist) ? [] : ['--import', 'tsx', '--conditions=source'];
}

export function mqUsesSources(): boolean {
  return !existsSync(brokerPackageDist);
}

/** The line a broker script prints once it listens (announce.mjs). */
interface Announcement {
  readonly port: number;
  readonly pid: number;
}

export async function startBroker(name: BrokerName, options: StartOptions = {}): Promise<RunningBroker> {
  const timeoutMs = (options.startTimeoutS ?? 30) * 1000;
  if (name === 'mosquitto') return startMosquitto(timeoutMs);
  // Plain node, as users run a broker (tsx's loader slowed @mq/broker's accepts by about a fifth).
  const script = join(brokersDir, name === 'mq' ? 'mq-server.mjs' : 'aedes-server.mjs');
  const flags = name === 'mq' ? mqNodeFlags() : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...flags, script], {
    cwd: brokersDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reported: { stats?: BrokerStats } = {};
  const announcement = await readAnnouncement(child, timeoutMs, reported);
  return {
    name,
    pid: child.pid!,
    port: announcement.port,
    stop: () => stopChild(child).then(() => reported.stats),
  };
}

/** Resolves with the first line; later lines are scanned for a `{ stats }` report, kept in `reported`. */
function readAnnouncement(
  child: ChildProcess,
  timeoutMs: number,
  reported: { stats?: BrokerStats },
): Promise<Announcement> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let settled = false;
    const settle = (error: Error | null, announcement?: Announcement) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (announcement && !error) {
        resolve(announcement);
        return;
      }
      child.kill('SIGKILL');
      reject(new Error(`${error?.message}${err ? `: ${err.trim().slice(-500)}` : ''}`));
    };
    const timer = setTimeout(
      () => settle(new Error(`broker did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    // Keep reading stdout after the first line so a chatty broker never blocks on a full pipe.
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (let newline = out.indexOf('\n'); newline >= 0; newline = out.indexOf('\n')) {
        const line = out.slice(0, newline);
        out = out.slice(newline + 1);
        if (!settled) {
          try {
            settle(null, JSON.parse(line) as Announcement);
          } catch {
            settle(new Error(`unexpected broker output ${line}`));
          }
        } else if (line.startsWith('{"stats"')) {
          reported.stats = (JSON.parse(line) as { stats: BrokerStats }).stats;
        }
      }
      // A chatty broker's stray output is not kept.
      if (out.length > 65536) out = '';
    });
    child.once('exit', (code) => settle(new Error(`broker exited with code ${code}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A port that was free a moment ago (mosquitto cannot listen on port 0 and report it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The reference configuration: anonymous, no persistence, and
 * max_queued_messages 0 (Debian's 2.0.11 drops QoS 1 messages under a finite
 * limit long before the queue is really full; the benchmark's windows bound
 * the backlog instead).
 */
function mosquittoConfig(port: number): string {
  return [
    'per_listener_settings false',
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'max_queued_messages 0',
    '',
  ].join('\n');
}

async function startMosquitto(timeoutMs: number): Promise<RunningBroker> {
  const port = await freePort();
  const dir = join(tmpdir(), `mq-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(config, mosquittoConfig(port));
  const child = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port}: ${err.trim().slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { name: 'mosquitto', pid: child.pid!, port, stop: () => stopChild(child).then(() => undefined) };
}
