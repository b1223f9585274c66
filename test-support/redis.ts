import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.js';

/**
 * Starts a throwaway redis-server (Debian 7.x) for integration tests: a temp dir as its working dir,
 * a free loopback port, no RDB snapshots and no AOF. Guard callers with hasSystemPeer('redis-server').
 */
export interface RedisHandle {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly dir: string;
  /** Everything redis-server wrote so far (handy in a failing test). */
  log(): string;
  /** Freezes the server (SIGSTOP) until resume(): every command waits, as on a stalled network. */
  pause(): void;
  resume(): void;
  /** Stops the server (SIGTERM), waits for it to exit and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Resolves true once the server answers PING with PONG on the port. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedis(options: { startTimeoutMs?: number } = {}): Promise<RedisHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'mq-redis-'));
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let output = '';

  const launch = async (port: number): Promise<ChildProcess | undefined> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const proc = spawn('redis-server', [...args, '--dir', dir], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/bin` },
    });
    proc.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      // Exited: most likely the port was taken between freePort() and the bind.
      if (proc.exitCode !== null || proc.signalCode !== null) return undefined;
      if (await answersPing(port)) return proc;
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.kill('SIGKILL');
    await exited(proc);
    throw new Error(`redis-server did not answer on port ${port} within ${startTimeoutMs} ms\n${output}`);
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = await launch(port);
    if (!child) continue;
    let stopping: Promise<void> | undefined;
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      log: () => output,
      pause: () => {
        child.kill('SIGSTOP');
      },
      resume: () => {
        child.kill('SIGCONT');
      },
      stop: () => {
        stopping ??= (async () => {
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          await exited(child);
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`redis-server failed to start\n${output}`);
}
