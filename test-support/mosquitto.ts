import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts a real Mosquitto (Debian 2.0.x) for integration tests: a generated config in a temp dir,
 * a free loopback port, and `stop()`/`restart()` that keep that port (and the persistence dir),
 * so clients can reconnect to the same address. Guard callers with hasSystemPeer('mosquitto').
 */
export interface MosquittoOptions {
  /** Keep sessions and queued messages on disk across `restart()` (default false). */
  persistence?: boolean;
  /** Also open a WebSocket listener; its port is then `wsPort` (default false). */
  websockets?: boolean;
  /** Extra lines appended to the generated mosquitto.conf (e.g. `max_queued_messages 0`). */
  extraConfig?: string;
  /** How long to wait for the port to accept connections (default 10 s). */
  startTimeoutMs?: number;
}

export interface MosquittoHandle {
  readonly port: number;
  /** Set when `websockets: true`. */
  readonly wsPort: number | undefined;
  /** Temp dir holding mosquitto.conf, the log and (with persistence) mosquitto.db. */
  readonly dir: string;
  /** Everything mosquitto wrote to stdout/stderr so far (handy in a failing test). */
  log(): string;
  /** Graceful stop (SIGTERM: persistence is written), resolves once the process exited. */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port(s) with the same config. */
  restart(): Promise<void>;
  /** Kills the process with SIGKILL (no persistence written). */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'mq-mosquitto-'));
  // Mosquitto started as root drops to the `mosquitto` user, which must be able to write the db here.
  chmodSync(dir, 0o777);
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let port = 0;
  let wsPort: number | undefined;
  let child: ChildProcess | undefined;
  let output = '';

  const writeConfig = () => {
    const lines = [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      ...(wsPort !== undefined ? [`listener ${wsPort} 127.0.0.1`, 'protocol websockets'] : []),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(options.persistence
        ? ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 1800']
        : ['persistence false']),
      options.extraConfig ?? '',
    ];
    writeFileSync(join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
  };

  const launch = async (): Promise<boolean> => {
    writeConfig();
    const proc = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
    });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) return false;
      const ready = (await canConnect(port)) && (wsPort === undefined || (await canConnect(wsPort)));
      if (ready) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill('SIGKILL');
    await exited(proc);
    throw new Error(`mosquitto did not accept on port ${port} within ${startTimeoutMs} ms\n${output}`);
  };

  // A port picked free may be taken before mosquitto binds it: try a few fresh ones.
  let started = false;
  for (let attempt = 0; attempt < 5 && !started; attempt++) {
    port = await freePort();
    wsPort = options.websockets ? await freePort() : undefined;
    started = await launch();
  }
  if (!started) throw new Error(`mosquitto failed to start\n${output}`);

  const stopWith = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.kill(signal);
    await exited(proc);
  };

  return {
    get port() {
      return port;
    },
    get wsPort() {
      return wsPort;
    },
    dir,
    log: () => output,
    stop: async () => {
      await stopWith('SIGTERM');
    },
    kill: async () => {
      await stopWith('SIGKILL');
    },
    restart: async () => {
      await stopWith('SIGTERM');
      // Same port on purpose; the old socket may linger briefly, so retry the bind a few times.
      for (let attempt = 0; attempt < 20; attempt++) {
        if (await launch()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`mosquitto did not restart on port ${port}\n${output}`);
    },
  };
}

/** Stops mosquitto and removes its temp dir. */
export async function disposeMosquitto(handle: MosquittoHandle | undefined): Promise<void> {
  if (!handle) return;
  await handle.stop();
  rmSync(handle.dir, { recursive: true, force: true });
}
