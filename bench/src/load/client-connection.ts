import { connect, type Socket } from 'node:net';
import type { ErrorLog } from './error-log.js';
import type { QoS } from './wire.js';
import { ACK_LENGTH, connectPacket, PacketType, scanPackets, subscribePacket, writeAck } from './wire.js';

export type ConnectionState = 'connecting' | 'connack' | 'suback' | 'ready' | 'closed';

/** What a role (publisher, subscriber) does with packets once the handshake is over. */
export interface PacketSink {
  /** Before the packets of one read (subscribers take the receive time here). */
  beforeRead?(): void;
  onPacket(data: Buffer, firstByte: number, bodyStart: number, bodyLength: number): void;
  /** After each read: flush batched acks, publish more, report progress. */
  afterRead(): void;
}

export interface ConnectionOptions {
  readonly port: number;
  readonly clientId: string;
  readonly keepAlive: number;
  /** Subscribe to this filter after CONNACK; the connection is ready at SUBACK. */
  readonly subscribe?: { readonly filter: string; readonly qos: QoS };
  readonly errors: ErrorLog;
  readonly label: string;
  /**
   * Socket reads land in this buffer, shared by all connections of a worker
   * (reads are handled one at a time, and leftovers are copied out): no
   * allocation and no stream machinery per read.
   */
  readonly readBuffer: Buffer;
  /**
   * Stop reading after a read smaller than this many bytes until resumeRead()
   * (the worker's next millisecond tick): fewer, larger reads, like mqload's
   * --poll-us. 0 = read eagerly.
   */
  readonly coalesceBelow: number;
}

/**
 * One raw TCP connection of the load generator: CONNECT (+ SUBSCRIBE), framing,
 * batched acks. Packets after the handshake go to the role's sink.
 */
export class ClientConnection {
  state: ConnectionState = 'connecting';
  readonly socket: Socket;
  sink: PacketSink | null = null;
  /** Set when the broker closes a connection that was ready. */
  closedByBroker = false;
  /** Reading stopped to coalesce (see coalesceBelow). */
  paused = false;
  #rest: Buffer | null = null;
  #acks: number[] = [];
  #stopping = false;
  readonly #options: ConnectionOptions;
  readonly #ready: Promise<boolean>;
  #settle: (ok: boolean) => void = () => {};

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#ready = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.socket = connect({
      port: options.port,
      host: '127.0.0.1',
      noDelay: true,
      onread: { buffer: options.readBuffer, callback: (length, buffer) => this.#onRead(length, buffer) },
    });
    this.socket.on('connect', () => {
      this.state = 'connack';
      this.socket.write(connectPacket(options.clientId, options.keepAlive));
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.#stopping)
        options.errors.add(`socket error ${error.code ?? error.message} (${options.label})`);
    });
    this.socket.on('close', () => {
      if (this.state === 'ready' && !this.#stopping) {
        this.closedByBroker = true;
        options.errors.add(`connection closed by broker (${options.label})`);
      }
      this.state = 'closed';
      this.#settle(false);
    });
  }

  /** Resolves true once CONNACK (and SUBACK) arrived, false if the handshake failed. */
  ready(): Promise<boolean> {
    return this.#ready;
  }

  /** Queue an ack; all acks of one read go out in one write. */
  queueAck(type: number, packetId: number): void {
    this.#acks.push((type << 16) | packetId);
  }

  flushAcks(): void {
    const acks = this.#acks;
    if (acks.length === 0) return;
    const out = Buffer.allocUnsafe(acks.length * ACK_LENGTH);
    let offset = 0;
    for (const ack of acks) offset = writeAck(out, offset, ack >>> 16, ack & 0xffff);
    acks.length = 0;
    this.socket.write(out);
  }

  /** Polite close: DISCONNECT, then FIN. Resolves when the socket is closed. */
  close(disconnect: Buffer): Promise<void> {
    this.#stopping = true;
    if (this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      if (this.state === 'ready') this.socket.end(disconnect);
      else this.socket.destroy();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    });
  }

  /** Returns false to pause reading (coalescing). */
  #onRead(length: number, buffer: Uint8Array): boolean {
    const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, length);
    this.sink?.beforeRead?.();
    this.#process(chunk);
    if (length < this.#options.coalesceBelow && this.state === 'ready') {
      this.paused = true;
      return false;
    }
    return true;
  }

  resumeRead(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  #process(chunk: Buffer): void {
    const data = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    let used: number;
    try {
      used = scanPackets(data, this.#dispatch);
    } catch (error) {
      this.#options.errors.add(`${(error as Error).message} (${this.#options.label})`);
      this.socket.destroy();
      return;
    }
    // The read buffer is reused by the next read: keep a copy of a partial packet.
    this.#rest = used < data.length ? Buffer.from(data.subarray(used)) : null;
    if (this.sink) this.sink.afterRead();
    this.flushAcks();
  }

  readonly #dispatch = (data: Buffer, firstByte: number, bodyStart: number, bodyLength: number): void => {
    if (this.state === 'ready' && this.sink) {
      this.sink.onPacket(data, firstByte, bodyStart, bodyLength);
      return;
    }
    const type = firstByte >> 4;
    const errors = this.#options.errors;
    if (this.state === 'connack' && type === PacketType.CONNACK && bodyLength >= 2) {
      const code = data[bodyStart + 1]!;
      if (code !== 0) {
        errors.add(`CONNACK refused, code ${code}`);
        this.socket.destroy();
        return;
      }
      const subscription = this.#options.subscribe;
      if (subscription) {
        this.state = 'suback';
        this.socket.write(subscribePacket(1, subscription.filter, subscription.qos));
      } else {
        this.#becomeReady();
      }
      return;
    }
    if (this.state === 'suback' && type === PacketType.SUBACK && bodyLength >= 3) {
      const granted = data[bodyStart + 2]!;
      if (granted >= 0x80) {
        errors.add(`SUBACK failure 0x${granted.toString(16)}`);
        this.socket.destroy();
        return;
      }
      if (granted !== this.#options.subscribe?.qos) errors.add(`SUBACK granted QoS ${granted}`);
      this.#becomeReady();
      return;
    }
    errors.add(`unexpected packet type ${type} in state ${this.state}`);
  };

  #becomeReady(): void {
    this.state = 'ready';
    this.#settle(true);
  }
}
