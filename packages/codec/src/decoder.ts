/**
 * Streaming decoder, one per connection. Frame first: a small state machine reads the fixed header and
 * Remaining Length (split anywhere across chunks), checks the packet size against `maxPacketSize` before
 * keeping any body byte, waits for the whole body, then decodes it.
 *
 * Zero-copy: a packet that arrives whole inside one pushed chunk is decoded straight from that chunk, so its
 * `payload`, `password`, `correlationData`, ... are views into the chunk. They stay valid as long as the caller
 * does not reuse or mutate the chunk it pushed (Node socket chunks are never reused, so views are safe there).
 * A packet split across chunks is assembled in a buffer the decoder owns and never reuses. Copy a view
 * (`payload.slice()`) to keep it independent of the chunk.
 */
import { MAX_PACKET_SIZE, PacketType, type ProtocolVersion } from './constants.js';
import { peekConnectLevel } from './decode-connect.js';
import { checkFirstByte, decodeBody, type Side } from './decode-packet.js';
import { MqttProtocolError, protocolError } from './errors.js';
import type { Packet } from './packets.js';
import { asFastBuffer, NodeBuffer } from './platform.js';

export interface PacketDecoderOptions {
  /** Version of the connection; a decoded CONNECT sets it to its own version. Default 4. */
  protocolVersion?: ProtocolVersion;
  /** Largest accepted packet, fixed header included. Default 268,435,460 (the protocol limit). */
  maxPacketSize?: number;
  /** The side that receives the packets ('server' or 'client'), for direction checks. Default: none. */
  side?: Side;
}

const AWAIT_TYPE = 0;
const AWAIT_LENGTH = 1;
const AWAIT_BODY = 2;

/** First allocation for a body that spans chunks; it grows by doubling up to the Remaining Length. */
const INITIAL_BODY_CAPACITY = 16 * 1024;

export class PacketDecoder {
  readonly side: Side | undefined;
  #protocolVersion: ProtocolVersion;
  #maxPacketSize: number;
  #state = AWAIT_TYPE;
  #first = 0;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  /** Body of the current packet while it spans chunks; its capacity never exceeds the Remaining Length. */
  #body: Uint8Array | null = null;
  #bodyFill = 0;
  #failure: unknown = null;
  #pushing = false;

  constructor(options: PacketDecoderOptions = {}) {
    this.#protocolVersion = 4;
    this.protocolVersion = options.protocolVersion ?? 4;
    this.side = options.side;
    this.#maxPacketSize = MAX_PACKET_SIZE;
    this.maxPacketSize = options.maxPacketSize ?? MAX_PACKET_SIZE;
  }

  /** Version used for packets other than CONNECT; a decoded CONNECT sets it to its own version. */
  get protocolVersion(): ProtocolVersion {
    return this.#protocolVersion;
  }

  set protocolVersion(value: ProtocolVersion) {
    if (value !== 3 && value !== 4 && value !== 5)
      throw new RangeError(`protocolVersion must be 3, 4 or 5, got ${value}`);
    this.#protocolVersion = value;
  }

  get maxPacketSize(): number {
    return this.#maxPacketSize;
  }

  set maxPacketSize(value: number) {
    if (!Number.isInteger(value) || value < 2)
      throw new RangeError(`maxPacketSize must be an integer >= 2, got ${value}`);
    this.#maxPacketSize = value;
  }

  /** Bytes of the current, incomplete packet held by the decoder (header and body). */
  get bufferedBytes(): number {
    if (this.#state === AWAIT_TYPE) return 0;
    return 1 + this.#lengthBytes + this.#bodyFill;
  }

  /**
   * Feeds the next chunk of the byte stream; calls `onPacket` for every packet completed by it, in order.
   * Throws MqttProtocolError for bytes that violate the spec. After any throw (including one from
   * `onPacket`) the stream position is lost: the decoder stays failed and rethrows on every later push.
   */
  push(chunk: Uint8Array, onPacket: (packet: Packet) => void): void {
    if (this.#failure !== null) throw this.#failure;
    if (!(chunk instanceof Uint8Array)) throw new TypeError('PacketDecoder.push: chunk must be a Uint8Array');
    // A push from inside onPacket would interleave two streams; refuse it instead of corrupting state.
    if (this.#pushing) throw new Error('PacketDecoder.push called from inside onPacket');
    this.#pushing = true;
    try {
      this.#consume(NodeBuffer ? asFastBuffer(chunk) : chunk, onPacket);
    } catch (error) {
      this.#failure =
        error instanceof MqttProtocolError ? error : new Error('PacketDecoder failed', { cause: error });
      this.#body = null;
      throw error;
    } finally {
      this.#pushing = false;
    }
  }

  #consume(bytes: Uint8Array, onPacket: (packet: Packet) => void): void {
    const n = bytes.length;
    let pos = 0;
    while (pos < n) {
      if (this.#state === AWAIT_TYPE) {
        const first = bytes[pos++]!;
        checkFirstByte(first, this.#protocolVersion, this.side);
        this.#first = first;
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
        this.#state = AWAIT_LENGTH;
      }
      if (this.#state === AWAIT_LENGTH) {
        pos = this.#readLength(bytes, pos);
        if ((this.#state as number) !== AWAIT_BODY) return; // header still incomplete
        const length = this.#length;
        if (length === 0 || n - pos >= length) {
          // Whole body in this chunk: decode in place, no copy.
          const start = pos;
          pos += length;
          this.#state = AWAIT_TYPE;
          this.#emit(bytes, start, pos, onPacket);
          continue;
        }
      }
      pos = this.#fillBody(bytes, pos);
      if (this.#bodyFill === this.#length) {
        const body = this.#body!;
        this.#body = null;
        this.#bodyFill = 0;
        this.#state = AWAIT_TYPE;
        this.#emit(body, 0, body.length, onPacket);
      }
    }
  }

  /** Reads Remaining Length bytes; moves to AWAIT_BODY once complete and the size is acceptable. */
  #readLength(bytes: Uint8Array, pos: number): number {
    const n = bytes.length;
    while (pos < n) {
      const b = bytes[pos++]!;
      this.#lengthBytes++;
      this.#length += (b & 0x7f) * this.#multiplier;
      if ((b & 0x80) !== 0) {
        if (this.#lengthBytes === 4) {
          throw protocolError(
            'MALFORMED_VARINT',
            'header.remainingLength',
            'Remaining Length longer than 4 bytes',
          );
        }
        this.#multiplier *= 128;
        // The next byte adds at least one multiplier (a final 0 would not be minimal): reject early, so even
        // the header never holds more than maxPacketSize bytes.
        const least = 1 + this.#lengthBytes + 1 + this.#length + this.#multiplier;
        if (least > this.#maxPacketSize) {
          throw protocolError(
            'PACKET_TOO_LARGE',
            'packet',
            `at least ${least} bytes exceed the maximum packet size ${this.#maxPacketSize}`,
          );
        }
        continue;
      }
      if (b === 0 && this.#lengthBytes > 1) {
        throw protocolError(
          'MALFORMED_VARINT',
          'header.remainingLength',
          'Remaining Length is not minimally encoded',
        );
      }
      const size = 1 + this.#lengthBytes + this.#length;
      if (size > this.#maxPacketSize) {
        throw protocolError(
          'PACKET_TOO_LARGE',
          'packet',
          `${size} bytes exceed the maximum packet size ${this.#maxPacketSize}`,
        );
      }
      this.#state = AWAIT_BODY;
      return pos;
    }
    return pos;
  }

  /** Copies as much of the current body as `bytes[pos..]` holds into the owned body buffer. */
  #fillBody(bytes: Uint8Array, pos: number): number {
    const take = Math.min(bytes.length - pos, this.#length - this.#bodyFill);
    const needed = this.#bodyFill + take;
    let body = this.#body;
    if (body === null || body.length < needed) {
      const grown = Math.min(
        this.#length,
        Math.max(needed, INITIAL_BODY_CAPACITY, body === null ? 0 : body.length * 2),
      );
      const next = NodeBuffer ? NodeBuffer.allocUnsafe(grown) : new Uint8Array(grown);
      if (body !== null) next.set(body.subarray(0, this.#bodyFill));
      body = next;
      this.#body = next;
    }
    body.set(bytes.subarray(pos, pos + take), this.#bodyFill);
    this.#bodyFill = needed;
    return pos + take;
  }

  #emit(bytes: Uint8Array, start: number, end: number, onPacket: (packet: Packet) => void): void {
    const first = this.#first;
    if (first >> 4 === PacketType.CONNECT) {
      // Learn the version before validating the rest, so errors can be answered in the client's version.
      const level = peekConnectLevel(bytes, start, end);
      if (level !== undefined) this.#protocolVersion = level;
    }
    const packet = decodeBody(first, bytes, start, end, this.#protocolVersion, this.side);
    onPacket(packet);
  }
}
