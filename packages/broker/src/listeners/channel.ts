import type { Duplex } from 'node:stream';

/** What a connection hears from its byte channel. */
export interface ChannelSink {
  channelData(chunk: Uint8Array): void;
  /** Everything written so far has been handed to the OS. */
  channelDrain(): void;
  channelError(err: Error): void;
  /** The channel is gone; called once, asynchronously after destroy(). */
  channelClosed(): void;
}

/**
 * The byte pipe a connection reads and writes: the few operations the broker needs, so a transport
 * can be a node Duplex (TLS, WebSocket, custom listeners) or a bare TCP handle (native-tcp.ts) without
 * a stream object per connection.
 */
export interface ByteChannel {
  readonly isByteChannel: true;
  /** Bytes written but not yet taken by the OS. */
  readonly pendingBytes: number;
  /** A channelDrain() is due: some written bytes still wait for the OS. */
  readonly needsDrain: boolean;
  /** False once ended or destroyed: writes would be dropped. */
  readonly writable: boolean;
  attach(sink: ChannelSink): void;
  write(bytes: Uint8Array): void;
  pause(): void;
  resume(): void;
  /** Sends what is written, then half-closes; the channel closes when the peer closes too. */
  end(): void;
  destroy(): void;
}

export function isByteChannel(stream: Duplex | ByteChannel): stream is ByteChannel {
  return (stream as Partial<ByteChannel>).isByteChannel === true;
}

/** The channel over a stream: a channel as is, a Duplex wrapped. */
export function toByteChannel(stream: Duplex | ByteChannel): ByteChannel {
  return isByteChannel(stream) ? stream : new StreamChannel(stream);
}

const SINK = Symbol('sink');
type TaggedStream = Duplex & { [SINK]?: ChannelSink };

/** Shared listener functions find the sink on the stream: no closures per connection. */
const streamListeners = {
  data(this: TaggedStream, chunk: Uint8Array): void {
    this[SINK]?.channelData(chunk);
  },
  drain(this: TaggedStream): void {
    this[SINK]?.channelDrain();
  },
  error(this: TaggedStream, err: Error): void {
    this[SINK]?.channelError(err);
  },
  close(this: TaggedStream): void {
    this[SINK]?.channelClosed();
  },
  end(this: TaggedStream): void {
    // No half-open connections: the peer's FIN ends our side too once written bytes are out.
    this.end();
  },
};

/** A node Duplex as a ByteChannel. */
export class StreamChannel implements ByteChannel {
  readonly isByteChannel = true;
  readonly #stream: TaggedStream;

  constructor(stream: Duplex) {
    this.#stream = stream;
  }

  get pendingBytes(): number {
    return this.#stream.writableLength;
  }

  get needsDrain(): boolean {
    return this.#stream.writableNeedDrain;
  }

  get writable(): boolean {
    return !this.#stream.destroyed && !this.#stream.writableEnded;
  }

  attach(sink: ChannelSink): void {
    const stream = this.#stream;
    stream[SINK] = sink;
    stream.on('data', streamListeners.data);
    stream.on('drain', streamListeners.drain);
    stream.on('error', streamListeners.error);
    stream.on('close', streamListeners.close);
    stream.on('end', streamListeners.end);
  }

  write(bytes: Uint8Array): void {
    this.#stream.write(bytes);
  }

  pause(): void {
    this.#stream.pause();
  }

  resume(): void {
    this.#stream.resume();
  }

  end(): void {
    this.#stream.end();
  }

  destroy(): void {
    this.#stream.destroy();
  }
}
