import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { ByteChannel, ChannelSink } from './channel.js';
import type { AcceptedTransport, AcceptTransport, ListenerAddress } from './types.js';

/*
 * TCP straight on node's libuv handle (the `tcp_wrap` / `stream_wrap` bindings that node:net itself is
 * built on), without a net.Socket per connection. A net.Socket is a full Duplex stream: about 3 KB and
 * a few microseconds to set up, which made up most of an idle MQTT connection's cost. Here a connection
 * is the handle plus one small object; reads land in one shared buffer and are copied out at their exact
 * size. The bindings are not a public API, so everything is feature-checked once and the TCP listener
 * falls back to node:net when something is missing (see tcp.ts).
 */

interface TcpHandle {
  onconnection: ((status: number, client: TcpHandle | undefined) => void) | null;
  onread: (this: TcpHandle) => void;
  readonly writeQueueSize: number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: Record<string, unknown>): number;
  getpeername(out: Record<string, unknown>): number;
  setNoDelay(enable: boolean): number;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  writeBuffer(req: WriteRequest, data: Uint8Array): number;
  shutdown(req: ShutdownRequest): number;
  close(callback: (this: TcpHandle) => void): void;
  [OWNER]?: NativeTcpSocket;
}

interface WriteRequest {
  handle: TcpHandle;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  /** Keeps the bytes alive while the OS has not taken them. */
  buffer: Uint8Array | undefined;
}

interface ShutdownRequest {
  handle: TcpHandle;
  oncomplete: (this: ShutdownRequest, status: number) => void;
}

interface NativeBindings {
  TCP: new (type: number) => TcpHandle;
  serverType: number;
  WriteWrap: new () => WriteRequest;
  ShutdownWrap: new () => ShutdownRequest;
  state: Int32Array;
  readBytesOrError: number;
  lastWriteWasAsync: number;
}

const OWNER = Symbol('owner');
/** libuv's end-of-file read result. */
const UV_EOF = -4095;
const READ_BUFFER_BYTES = 64 * 1024;
/** Accepted sockets inherit TCP_NODELAY from the listener (checked on Linux; elsewhere it is set per socket). */
const NODELAY_INHERITED = process.platform === 'linux';

let bindings: NativeBindings | null | undefined;

/** The handle bindings, or undefined when this node does not offer them in the expected shape. */
export function nativeTcpBindings(): NativeBindings | undefined {
  if (bindings === undefined) bindings = loadBindings() ?? null;
  return bindings ?? undefined;
}

function loadBindings(): NativeBindings | undefined {
  try {
    const binding = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
    if (typeof binding !== 'function') return undefined;
    const tcp = binding('tcp_wrap');
    const stream = binding('stream_wrap');
    const TCP = tcp.TCP as NativeBindings['TCP'] | undefined;
    const serverType = (tcp.constants as Record<string, unknown> | undefined)?.SERVER;
    const state = stream.streamBaseState;
    const readBytesOrError = stream.kReadBytesOrError;
    const lastWriteWasAsync = stream.kLastWriteWasAsync;
    if (
      typeof TCP !== 'function' ||
      typeof serverType !== 'number' ||
      typeof stream.WriteWrap !== 'function' ||
      typeof stream.ShutdownWrap !== 'function' ||
      !(state instanceof Int32Array) ||
      typeof readBytesOrError !== 'number' ||
      typeof lastWriteWasAsync !== 'number'
    ) {
      return undefined;
    }
    const methods = ['bind', 'bind6', 'listen', 'getsockname', 'getpeername', 'setNoDelay', 'useUserBuffer'];
    const methods2 = ['readStart', 'readStop', 'writeBuffer', 'shutdown', 'close'];
    const proto = TCP.prototype as Record<string, unknown>;
    if (![...methods, ...methods2].every((name) => typeof proto[name] === 'function')) return undefined;
    return {
      TCP,
      serverType,
      WriteWrap: stream.WriteWrap as NativeBindings['WriteWrap'],
      ShutdownWrap: stream.ShutdownWrap as NativeBindings['ShutdownWrap'],
      state,
      readBytesOrError,
      lastWriteWasAsync,
    };
  } catch {
    return undefined;
  }
}

/** An error shaped like node:net's (code, errno, syscall). */
function systemError(status: number, syscall: string, detail = ''): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `E${-status}`;
  }
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}${detail}`);
  error.code = code;
  error.errno = status;
  error.syscall = syscall;
  return error;
}

/** A bound, listening TCP handle that accepts connections as NativeTcpSockets. */
export class NativeTcpServer {
  readonly #native: NativeBindings;
  readonly #handle: TcpHandle;
  #closed = false;

  /** Binds and listens; throws an errno error (EADDRINUSE, ...) as net.Server would report it. */
  constructor(native: NativeBindings, host: string, port: number, accept: AcceptTransport) {
    this.#native = native;
    const handle = new native.TCP(native.serverType);
    const family = net.isIP(host);
    let status = family === 6 ? handle.bind6(host, port, 0) : handle.bind(host, port);
    // Linux hands TCP_NODELAY on from the listening socket to every accepted one: one system call, not one each.
    if (status === 0 && NODELAY_INHERITED) status = handle.setNoDelay(true);
    if (status === 0) status = handle.listen(511);
    if (status !== 0) {
      handle.close(noop);
      throw systemError(status, 'listen', ` ${host}:${port}`);
    }
    handle.onconnection = (acceptStatus, client) => {
      if (acceptStatus !== 0 || client === undefined) return;
      accept(new NativeTcpSocket(this.#native, client));
    };
    this.#handle = handle;
  }

  address(): ListenerAddress {
    const out: Record<string, unknown> = {};
    this.#handle.getsockname(out);
    return { type: 'tcp', host: String(out.address), port: Number(out.port), engine: 'native' };
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#handle.close(() => resolve()));
  }
}

/** One read buffer for every native socket: reads are handled one at a time and copied out. */
let readBuffer: Buffer | undefined;

/** An accepted TCP connection: both the transport the broker accepts and its byte channel. */
export class NativeTcpSocket implements ByteChannel, AcceptedTransport {
  readonly isByteChannel = true;
  readonly listener = 'tcp';
  readonly #native: NativeBindings;
  readonly #handle: TcpHandle;
  #sink: ChannelSink | undefined;
  /** Peer address once looked up ('' when it could not be). */
  #address: string | undefined;
  #port: number | undefined;
  /** 'open' -> 'ending' (shutdown asked) -> 'closing' (handle close asked) -> 'closed'. */
  #state: 'open' | 'ending' | 'closing' | 'closed' = 'open';
  #eof = false;
  #reading = false;
  /** Written bytes wait in libuv's queue (writeQueueSize > 0), without a native call to ask. */
  #queued = false;

  constructor(native: NativeBindings, handle: TcpHandle) {
    this.#native = native;
    this.#handle = handle;
    handle[OWNER] = this;
    handle.onread = onNativeRead;
    readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
    handle.useUserBuffer(readBuffer);
    if (!NODELAY_INHERITED) handle.setNoDelay(true);
  }

  get stream(): ByteChannel {
    return this;
  }

  get remoteAddress(): string | undefined {
    if (this.#address === undefined) this.#lookUpPeer();
    return this.#address || undefined;
  }

  get remotePort(): number | undefined {
    if (this.#address === undefined) this.#lookUpPeer();
    return this.#port;
  }

  /** On first use, as node:net does: most connections never need it. Unknown once the handle is closed. */
  #lookUpPeer(): void {
    const out: { address?: unknown; port?: unknown } = {};
    if (this.#state !== 'closing' && this.#state !== 'closed') this.#handle.getpeername(out);
    this.#address = typeof out.address === 'string' ? out.address : '';
    if (typeof out.port === 'number') this.#port = out.port;
  }

  get pendingBytes(): number {
    return this.#state === 'closed' ? 0 : this.#handle.writeQueueSize;
  }

  /** Kept in JS (set by a write the OS did not take at once, cleared by the drain): checked per flush. */
  get needsDrain(): boolean {
    return this.#queued;
  }

  get writable(): boolean {
    return this.#state === 'open';
  }

  attach(sink: ChannelSink): void {
    this.#sink = sink;
    this.resume();
  }

  write(bytes: Uint8Array): void {
    if (this.#state !== 'open') return;
    const req = new this.#native.WriteWrap();
    req.handle = this.#handle;
    req.oncomplete = onNativeWriteComplete;
    req.async = false;
    req.buffer = bytes;
    const status = this.#handle.writeBuffer(req, bytes);
    if (status !== 0) {
      this.#fail(systemError(status, 'write'));
      return;
    }
    // A write the OS took at once gets no completion call; only queued ones do.
    if (this.#native.state[this.#native.lastWriteWasAsync] === 0) req.buffer = undefined;
    else {
      req.async = true;
      this.#queued = true;
    }
  }

  pause(): void {
    if (!this.#reading) return;
    this.#reading = false;
    if (this.#state !== 'closing' && this.#state !== 'closed') this.#handle.readStop();
  }

  resume(): void {
    if (this.#reading || this.#eof || this.#state === 'closing' || this.#state === 'closed') return;
    this.#reading = true;
    const status = this.#handle.readStart();
    if (status !== 0) this.#fail(systemError(status, 'read'));
  }

  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ending';
    const req = new this.#native.ShutdownWrap();
    req.handle = this.#handle;
    req.oncomplete = onNativeShutdown;
    // libuv shuts the write side down once queued writes are out.
    const status = this.#handle.shutdown(req);
    if (status !== 0) this.destroy();
  }

  destroy(): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#reading = false;
    this.#handle.close(onNativeClose);
  }

  /** @internal */
  onRead(bytes: number): void {
    if (bytes > 0) {
      // Copied out of the shared buffer at the exact size: decoded packets keep views of their chunk.
      const chunk = Buffer.allocUnsafe(bytes);
      (readBuffer as Buffer).copy(chunk, 0, 0, bytes);
      this.#sink?.channelData(chunk);
      return;
    }
    if (bytes === 0) return;
    if (bytes === UV_EOF) {
      // No half-open connections: the peer's FIN ends our side too once written bytes are out.
      this.#eof = true;
      this.#reading = false;
      if (this.#state === 'open') this.end();
      else if (this.#state === 'ending') this.destroy();
      return;
    }
    this.#fail(systemError(bytes, 'read'));
  }

  /** @internal */
  onWriteComplete(status: number): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    if (status !== 0) {
      this.#fail(systemError(status, 'write'));
      return;
    }
    if (this.#handle.writeQueueSize === 0) {
      this.#queued = false;
      this.#sink?.channelDrain();
    }
  }

  /** @internal */
  onShutdown(): void {
    // Both directions are done once the peer has closed too; until then wait for its FIN.
    if (this.#eof) this.destroy();
  }

  /** @internal */
  onClosed(): void {
    this.#state = 'closed';
    this.#queued = false;
    this.#handle[OWNER] = undefined;
    const sink = this.#sink;
    this.#sink = undefined;
    sink?.channelClosed();
  }

  #fail(error: Error): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#sink?.channelError(error);
    this.destroy();
  }
}

// Callbacks the bindings call with `this` set to the handle or request: shared, no closure per socket.
function onNativeRead(this: TcpHandle): void {
  const native = bindings as NativeBindings;
  this[OWNER]?.onRead(native.state[native.readBytesOrError] as number);
}

function onNativeWriteComplete(this: WriteRequest, status: number): void {
  this.buffer = undefined;
  this.handle[OWNER]?.onWriteComplete(status);
}

function onNativeShutdown(this: ShutdownRequest): void {
  this.handle[OWNER]?.onShutdown();
}

function onNativeClose(this: TcpHandle): void {
  this[OWNER]?.onClosed();
}

function noop(): void {}
