import type { ErrorLog } from './error-log.js';
import { connectPacket, PacketType } from './wire.js';

/*
 * The `conns` scenario on node's libuv TCP handles (the bindings node:net is built on), as the C
 * generator does it with raw sockets. A net.Socket costs a worker about 0.3 ms of CPU to open, which
 * capped the generator near 4,000 connects/s on two cores, far below what brokers accept; a bare handle
 * costs a fraction of that. Used when the bindings are there (checked once); otherwise the worker opens
 * idle connections with net.Socket as before.
 */

interface Handle {
  onread: (this: Handle) => void;
  readStart(): number;
  useUserBuffer(buffer: Uint8Array): void;
  connect(req: ConnectRequest, address: string, port: number): number;
  writeBuffer(req: WriteRequest, data: Uint8Array): number;
  close(callback?: () => void): void;
  /** Closes with RST (SO_LINGER 0); missing on old node versions. */
  reset?(callback: () => void): number;
  [OWNER]?: IdleConnection;
}
interface ConnectRequest {
  oncomplete: (status: number, handle: Handle) => void;
  address: string;
  port: number;
}
interface WriteRequest {
  handle: Handle;
  oncomplete: () => void;
  async: boolean;
}
interface Bindings {
  TCP: new (type: number) => Handle;
  socketType: number;
  TCPConnectWrap: new () => ConnectRequest;
  WriteWrap: new () => WriteRequest;
  state: Int32Array;
  readBytes: number;
}

const OWNER = Symbol('owner');
const UV_EOF = -4095;

function loadBindings(): Bindings | undefined {
  try {
    const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
    if (typeof binding !== 'function') return undefined;
    const tcp = binding('tcp_wrap');
    const stream = binding('stream_wrap');
    const socketType = (tcp.constants as Record<string, unknown> | undefined)?.SOCKET;
    if (
      typeof tcp.TCP !== 'function' ||
      typeof tcp.TCPConnectWrap !== 'function' ||
      typeof stream.WriteWrap !== 'function' ||
      typeof socketType !== 'number' ||
      !(stream.streamBaseState instanceof Int32Array) ||
      typeof stream.kReadBytesOrError !== 'number'
    ) {
      return undefined;
    }
    return {
      TCP: tcp.TCP as Bindings['TCP'],
      socketType,
      TCPConnectWrap: tcp.TCPConnectWrap as Bindings['TCPConnectWrap'],
      WriteWrap: stream.WriteWrap as Bindings['WriteWrap'],
      state: stream.streamBaseState,
      readBytes: stream.kReadBytesOrError,
    };
  } catch {
    return undefined;
  }
}

const bindings = loadBindings();

export const idleConnectionsAvailable = bindings !== undefined;

/** One idle MQTT connection: CONNECT, CONNACK, then nothing until stop. */
class IdleConnection {
  state: 'connecting' | 'connack' | 'ready' | 'closed' = 'connecting';
  closedByBroker = false;
  readonly handle: Handle;
  readonly startedNs: bigint;
  #stopping = false;
  readonly #done: (conn: IdleConnection, ok: boolean) => void;
  readonly #errors: ErrorLog;
  readonly #connect: Buffer;

  constructor(
    native: Bindings,
    port: number,
    clientId: string,
    keepAlive: number,
    errors: ErrorLog,
    done: (conn: IdleConnection, ok: boolean) => void,
  ) {
    this.#done = done;
    this.#errors = errors;
    this.#connect = connectPacket(clientId, keepAlive);
    this.startedNs = process.hrtime.bigint();
    const handle = new native.TCP(native.socketType);
    this.handle = handle;
    handle[OWNER] = this;
    const req = new native.TCPConnectWrap();
    req.address = '127.0.0.1';
    req.port = port;
    req.oncomplete = onConnected;
    const status = handle.connect(req, '127.0.0.1', port);
    if (status !== 0) this.#fail(`connect error ${status}`);
  }

  connected(status: number): void {
    if (status !== 0) {
      this.#fail(`connect error ${status}`);
      return;
    }
    this.state = 'connack';
    this.handle.onread = onRead;
    // No TCP_NODELAY: the CONNECT is the only thing an idle connection sends, and Nagle never holds
    // back a first segment. The option cost a system call per connection.
    this.handle.readStart();
    this.#write(this.#connect);
  }

  read(bytes: number, data: Buffer): void {
    if (bytes > 0) {
      // A CONNACK is 4 bytes; an idle connection receives nothing else.
      if (this.state === 'connack' && bytes >= 4 && data[0] === PacketType.CONNACK << 4) {
        if (data[3] !== 0) {
          this.#fail(`CONNACK refused, code ${data[3]}`);
          return;
        }
        this.state = 'ready';
        this.#done(this, true);
      } else if (this.state === 'connack') {
        this.#fail(`unexpected first bytes from broker (${bytes} bytes)`);
      }
      return;
    }
    if (bytes === 0) return;
    if (!this.#stopping && this.state === 'ready') {
      this.closedByBroker = true;
      this.#errors.add('connection closed by broker (idle)');
    }
    const wasPending = this.state !== 'ready';
    this.#close();
    if (wasPending) this.#done(this, false);
    if (bytes !== UV_EOF && !this.#stopping) this.#errors.add(`socket error ${bytes} (idle)`);
  }

  /**
   * Abortive close (RST): no TIME-WAIT socket is left on either side. 10,000 of them per run, lingering
   * for a minute, slowed every broker's next runs by up to half (kernel lookups among them on connect).
   */
  stop(): Promise<void> {
    this.#stopping = true;
    if (this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      this.state = 'closed';
      const status = typeof this.handle.reset === 'function' ? this.handle.reset(() => resolve()) : -1;
      if (status !== 0) this.handle.close(() => resolve());
    });
  }

  #write(bytes: Buffer): void {
    const native = bindings as Bindings;
    const req = new native.WriteWrap();
    req.handle = this.handle;
    req.oncomplete = noop;
    req.async = false;
    this.handle.writeBuffer(req, bytes);
  }

  #fail(message: string): void {
    this.#errors.add(`${message} (idle)`);
    const wasPending = this.state !== 'ready' && this.state !== 'closed';
    this.#close();
    if (wasPending) this.#done(this, false);
  }

  #close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.handle.close();
  }
}

let sharedReadBuffer: Buffer | undefined;

function onConnected(this: ConnectRequest, status: number, handle: Handle): void {
  handle[OWNER]?.connected(status);
}

function onRead(this: Handle): void {
  const native = bindings as Bindings;
  this[OWNER]?.read(native.state[native.readBytes] as number, sharedReadBuffer as Buffer);
}

function noop(): void {}

export interface IdleOpenResult {
  ready: number;
  failed: number;
  handshakeNs: number[];
}

/** Opens idle connections, at most `maxPending` handshakes at a time; keeps them until stopAll(). */
export class IdleConnections {
  readonly #all: IdleConnection[] = [];

  get alive(): number {
    return this.#all.filter((c) => c.state === 'ready').length;
  }

  get closedByBroker(): number {
    return this.#all.filter((c) => c.closedByBroker).length;
  }

  open(
    port: number,
    clientIds: string[],
    keepAlive: number,
    maxPending: number,
    errors: ErrorLog,
  ): Promise<IdleOpenResult> {
    const native = bindings;
    if (native === undefined) return Promise.reject(new Error('libuv TCP bindings unavailable'));
    sharedReadBuffer ??= Buffer.allocUnsafe(64 * 1024);
    const readBuffer = sharedReadBuffer;
    const result: IdleOpenResult = { ready: 0, failed: 0, handshakeNs: [] };
    if (clientIds.length === 0) return Promise.resolve(result);
    return new Promise((resolve) => {
      let next = 0;
      let settled = 0;
      const start = (): void => {
        const clientId = clientIds[next++] as string;
        const conn = new IdleConnection(native, port, clientId, keepAlive, errors, done);
        conn.handle.useUserBuffer(readBuffer);
        this.#all.push(conn);
      };
      const done = (conn: IdleConnection, ok: boolean): void => {
        if (ok) {
          result.ready++;
          result.handshakeNs.push(Number(process.hrtime.bigint() - conn.startedNs));
        } else result.failed++;
        settled++;
        if (next < clientIds.length) start();
        else if (settled === clientIds.length) resolve(result);
      };
      for (let i = 0; i < Math.min(maxPending, clientIds.length); i++) start();
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#all.map((c) => c.stop()));
  }
}
