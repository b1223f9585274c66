import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLI: turbo builds before testing; by hand run `pnpm --filter @mq/demo-broker... build`. */
export const CLI = resolve(import.meta.dirname, '../dist/cli.js');

/** The test runner's environment without MQ_* variables, so only what a test sets applies. */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MQ_')) env[key] = value;
  return { ...env, ...extra };
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (for --help, bad flags, bad configs). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', fail);
    child.once('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

export interface BrokerProcess {
  child: ChildProcess;
  /** Bound MQTT (TCP) port. */
  port: number;
  /** Bound WebSocket port, if the listener is on. */
  wsPort: number | undefined;
  logs: LogLine[];
  stderr(): string;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Starts `mq-broker` with JSON logs and waits for its `ready` line. */
export async function startBroker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [CLI, '--log-format', 'json', ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    pending += d.toString();
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      try {
        logs.push(JSON.parse(text) as LogLine);
      } catch {
        logs.push({ level: 0, msg: text });
      }
    }
    for (const wake of [...waiters]) wake();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const closed = new Promise<Exit>((done) => {
    child.once('close', (code, signal) => {
      done({ code, signal, stdout, stderr });
      for (const wake of [...waiters]) wake();
    });
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((done, fail) => {
      const check = () => {
        const found = logs.find(match);
        if (found) {
          cleanup();
          done(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          fail(new Error(`mq-broker exited (${child.exitCode ?? child.signalCode})\n${stdout}\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        fail(new Error(`no matching log line within ${timeoutMs} ms\n${stdout}\n${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  await waitForLog((l) => l.msg === 'ready');
  const portOf = (listener: string) =>
    logs.find((l) => l.msg.startsWith('listening on') && l.listener === listener)?.port as number | undefined;
  const port = portOf('tcp');
  if (port === undefined) throw new Error(`no tcp listening line\n${stdout}`);
  return {
    child,
    port,
    wsPort: portOf('ws'),
    logs,
    stderr: () => stderr,
    waitForLog,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return closed;
    },
  };
}
