/**
 * Bounds-checked cursor over one packet body `bytes[pos..end)`. Every read names its field so a truncated or
 * ill-formed field becomes an MqttProtocolError that says which field it was. Binary fields are views.
 */
import { protocolError } from './errors.js';
import { topicFilterBytesProblem } from './topic.js';
import { decodeUtf8 } from './utf8.js';

export class Reader {
  bytes: Uint8Array;
  pos: number;
  end: number;

  constructor(bytes: Uint8Array, pos: number, end: number) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.end - this.pos < n) {
      throw protocolError(
        'MALFORMED_LENGTH',
        field,
        `needs ${n} byte(s) but only ${this.end - this.pos} remain within the Remaining Length`,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** A non-zero Packet Identifier [MQTT-2.2.1-3] (5.0), [MQTT-2.3.1-1] (3.1.1). */
  packetId(field: string): number {
    const id = this.u16(field);
    if (id === 0) throw protocolError('INVALID_PACKET_ID', field, 'must be non-zero');
    return id;
  }

  /** Variable Byte Integer: at most 4 bytes and minimal [MQTT-1.5.5-1]. */
  varint(field: string): number {
    const b = this.bytes;
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.end) this.need(1, field);
      const byte = b[this.pos++]!;
      value += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) {
          throw protocolError('MALFORMED_VARINT', field, 'Variable Byte Integer is not minimally encoded');
        }
        return value;
      }
      mul *= 128;
    }
    throw protocolError('MALFORMED_VARINT', field, 'Variable Byte Integer longer than 4 bytes');
  }

  /** UTF-8 Encoded String: 2-byte length, then well-formed UTF-8 without U+0000. */
  utf8(field: string): string {
    const len = this.u16(field);
    this.need(len, field);
    const start = this.pos;
    this.pos = start + len;
    return decodeUtf8(this.bytes, start, start + len, field);
  }

  /**
   * A Topic Filter: a UTF-8 Encoded String whose wildcard and shared-subscription syntax is checked on the
   * bytes before the string is built [MQTT-4.7.1-1..3, MQTT-4.8.2-1..2].
   */
  topicFilter(field: string, shared: boolean): string {
    const len = this.u16(field);
    this.need(len, field);
    const start = this.pos;
    this.pos = start + len;
    const problem = topicFilterBytesProblem(this.bytes, start, start + len, shared);
    if (problem) throw protocolError('INVALID_TOPIC_FILTER', field, problem);
    return decodeUtf8(this.bytes, start, start + len, field);
  }

  /** Binary Data: 2-byte length, then the bytes as a view into the packet. */
  binary(field: string): Uint8Array {
    const len = this.u16(field);
    return this.take(len, field);
  }

  /** The next `n` bytes as a view. */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const start = this.pos;
    this.pos = start + n;
    return this.bytes.subarray(start, start + n);
  }

  /** Everything left, as a view. */
  rest(): Uint8Array {
    const start = this.pos;
    this.pos = this.end;
    return this.bytes.subarray(start, this.end);
  }

  /** Throws when bytes are left over after the last field: Remaining Length too long for the content. */
  done(packet: string): void {
    if (this.pos !== this.end) {
      throw protocolError(
        'MALFORMED_LENGTH',
        packet,
        `${this.end - this.pos} unexpected trailing byte(s) after the last field`,
      );
    }
  }
}
