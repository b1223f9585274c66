import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLIs; turbo builds both (and their dependencies) before this package's tests. */
export const SIM_CLI = resolve(import.meta.dirname, '../dist/cli.js');
export const BROKER_CLI = resolve(import.meta.dirname, '../node_modules/@mq/demo-broker/dist/cli.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  exited: Promise<Exit>;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MQ_')) env[key] = value;
  return env;
}

export function launch(script: string, args: string[]): Running {
  const child = spawn(process.execPath, [script, ...args], {
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    wake();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    wake();
  });
  const exited = new Promise<Exit>((done) => {
    child.once('close', (code, signal) => {
      done({ code, signal, stdout, stderr });
      wake();
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (text, timeoutMs = 20_000) =>
      new Promise<void>((done, fail) => {
        const check = () => {
          const all = stdout + stderr;
          if (typeof text === 'string' ? all.includes(text) : text.test(all)) {
            cleanup();
            done();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            fail(new Error(`process exited before printing ${String(text)}\n${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(new Error(`no ${String(text)} within ${timeoutMs} ms\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the simulator to completion. */
export function runSim(args: string[]): Promise<Exit> {
  return launch(SIM_CLI, args).exited;
}

export interface DemoBroker {
  url: string;
  wsUrl: string;
  stop(): Promise<Exit>;
}

/** Starts the built `mq-broker` on free loopback ports and reads them from its JSON log. */
export async function startDemoBroker(): Promise<DemoBroker> {
  const { freePort } = await import('../../../test-support/mosquitto.js');
  const wsPort = await freePort();
  const broker = launch(BROKER_CLI, ['--port', '0', '--ws-port', String(wsPort), '--log-format', 'json']);
  await broker.waitFor('"msg":"ready"');
  const line = broker
    .stdout()
    .split('\n')
    .find((l) => l.includes('"listener":"tcp"'));
  const port = line ? (JSON.parse(line) as { port: number }).port : undefined;
  if (!port) throw new Error(`no port in\n${broker.stdout()}`);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}/mqtt`,
    stop: () => broker.stop(),
  };
}
