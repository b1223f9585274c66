import { RedisBackendError, RedisBackendErrorCode } from './errors.js';

const utf8 = new TextEncoder();

/** Appends varints, strings and byte runs to a growing buffer; `finish()` returns the exact bytes. */
export class BinaryWriter {
  #buf: Buffer;
  #pos = 0;

  constructor(initial = 128) {
    this.#buf = Buffer.allocUnsafe(initial);
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  u8(value: number): this {
    this.#room(1);
    this.#buf[this.#pos++] = value;
    return this;
  }

  /** Unsigned LEB128 for integers up to 2^53 (sequence numbers, lengths, intervals). */
  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RedisBackendError(RedisBackendErrorCode.Unencodable, `not a varint: ${value}`);
    }
    this.#room(8);
    while (value >= 0x80) {
      this.#buf[this.#pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.#buf[this.#pos++] = value;
    return this;
  }

  f64(value: number): this {
    this.#room(8);
    this.#buf.writeDoubleLE(value, this.#pos);
    this.#pos += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.varint(value.length);
    return this.raw(value);
  }

  /** Bytes without a length prefix (the last field of a record). */
  raw(value: Uint8Array): this {
    this.#room(value.length);
    this.#buf.set(value, this.#pos);
    this.#pos += value.length;
    return this;
  }

  string(value: string): this {
    return this.bytes(utf8.encode(value));
  }

  finish(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }
}

/** Reads what BinaryWriter wrote; every read is bounds-checked and throws RedisBackendError when short. */
export class BinaryReader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Uint8Array) {
    this.#buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) {
      throw new RedisBackendError(RedisBackendErrorCode.BadRecord, 'record is truncated');
    }
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new RedisBackendError(RedisBackendErrorCode.BadRecord, 'varint too long');
  }

  f64(): number {
    this.#need(8);
    const value = this.#buf.readDoubleLE(this.#pos);
    this.#pos += 8;
    return value;
  }

  /** A copy, so the record's buffer can be released. */
  bytes(): Uint8Array {
    return this.raw(this.varint());
  }

  raw(length = this.remaining): Uint8Array {
    this.#need(length);
    const out = new Uint8Array(length);
    out.set(this.#buf.subarray(this.#pos, this.#pos + length));
    this.#pos += length;
    return out;
  }

  string(): string {
    const length = this.varint();
    this.#need(length);
    const value = this.#buf.toString('utf8', this.#pos, this.#pos + length);
    this.#pos += length;
    return value;
  }
}
