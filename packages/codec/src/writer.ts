/**
 * Cursor that writes one or more packets into a buffer sized exactly beforehand. No bounds checks: the
 * encoder computes the exact length first, so running out of room is a bug, not an input error.
 */
import { writeUtf8 } from './utf8.js';
import { writeVarint } from './varint.js';

export class Writer {
  bytes: Uint8Array;
  pos: number;

  constructor(bytes: Uint8Array, pos: number) {
    this.bytes = bytes;
    this.pos = pos;
  }

  u8(value: number): void {
    this.bytes[this.pos++] = value;
  }

  u16(value: number): void {
    const b = this.bytes;
    const p = this.pos;
    b[p] = value >>> 8;
    b[p + 1] = value & 0xff;
    this.pos = p + 2;
  }

  u32(value: number): void {
    const b = this.bytes;
    const p = this.pos;
    b[p] = value >>> 24;
    b[p + 1] = (value >>> 16) & 0xff;
    b[p + 2] = (value >>> 8) & 0xff;
    b[p + 3] = value & 0xff;
    this.pos = p + 4;
  }

  varint(value: number): void {
    this.pos = writeVarint(this.bytes, value, this.pos);
  }

  /** 2-byte length prefix, then the UTF-8 bytes (already validated by utf8Length, which gave `byteLength`). */
  utf8(value: string, byteLength = -1): void {
    const b = this.bytes;
    const p = this.pos;
    const n = writeUtf8(b, value, p + 2, byteLength);
    b[p] = n >>> 8;
    b[p + 1] = n & 0xff;
    this.pos = p + 2 + n;
  }

  /** 2-byte length prefix, then the bytes. */
  binary(value: Uint8Array): void {
    this.u16(value.length);
    this.raw(value);
  }

  raw(value: Uint8Array): void {
    this.bytes.set(value, this.pos);
    this.pos += value.length;
  }
}
