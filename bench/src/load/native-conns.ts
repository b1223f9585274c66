import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The `conns` scenario's C generator (bench/native/conns.c): built with the system C compiler on first
 * use, run as a child process, driven over its stdin and stdout (the protocol is in the C file's header).
 * Without a compiler, `conns` runs on the node generator, which is itself the bottleneck on two cores.
 */

const source = fileURLToPath(new URL('../../native/conns.c', import.meta.url));
const binary = fileURLToPath(new URL('../../.native/conns', import.meta.url));

let built: { path: string } | { error: string } | undefined;

/** The generator's path, compiling it if the source is newer; or why it cannot be built. */
export function nativeConnsGenerator(): { path: string } | { error: string } {
  if (built) return built;
  try {
    if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
      mkdirSync(fileURLToPath(new URL('../../.native/', import.meta.url)), { recursive: true });
      const cc = process.env.CC ?? 'cc';
      execFileSync(cc, ['-O2', '-std=gnu11', '-Wall', '-o', binary, source], { stdio: 'pipe' });
    }
    built = { path: binary };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    built = { error: stderr || (error as Error).message };
  }
  return built;
}

export interface NativeOpened {
  ready: number;
  failed: number;
  elapsedNs: number;
  /** The generator's own CPU (user + system) during the burst. */
  cpuUs: number;
  handshakeUs: { p50: number; p99: number; max: number };
  errors: { what: string; count: number }[];
}

export interface NativeStopped {
  alive: number;
  closedByBroker: number;
}

/** One run of the C generator: arm() it, open() the connections, stop() to close them all. */
export class NativeIdleConnections {
  readonly #child;
  readonly #lines: AsyncIterator<string>;

  constructor(path: string, port: number, count: number, maxPending: number, keepAlive: number) {
    const prefix = `mqc${process.pid}i`;
    this.#child = spawn(path, [String(port), String(count), String(maxPending), String(keepAlive), prefix], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Resolves once the child is ready to start the burst. */
  async arm(): Promise<void> {
    await this.#expect('armed');
  }

  async open(): Promise<NativeOpened> {
    this.#child.stdin.write('go\n');
    return (await this.#expect('opened')) as unknown as NativeOpened;
  }

  async stop(): Promise<NativeStopped> {
    this.#child.stdin.end('stop\n');
    const stopped = (await this.#expect('stopped')) as unknown as NativeStopped;
    await new Promise<void>((resolve) => {
      if (this.#child.exitCode !== null) resolve();
      else this.#child.once('exit', () => resolve());
    });
    return stopped;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }

  /** The child's next line, which must be `event`; a child that stays silent for a minute has hung. */
  async #expect(event: string): Promise<Record<string, unknown>> {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`conns generator: no "${event}" within 60 s`)), 60_000);
    });
    const next = await Promise.race([this.#lines.next(), silent]).finally(() => clearTimeout(timer));
    if (next.done) throw new Error(`conns generator exited before "${event}" (code ${this.#child.exitCode})`);
    const message = JSON.parse(next.value) as Record<string, unknown>;
    if (message.event !== event) throw new Error(`conns generator: expected "${event}", got ${next.value}`);
    return message;
  }
}
