/**
 * UTF-8 Encoded Strings (5.0 section 1.5.4, 3.1.1 section 1.5.3): well-formed UTF-8 without U+0000 and
 * without encoded surrogates. A BOM (EF BB BF) is an ordinary U+FEFF and is kept as is.
 * Node Buffer fast paths when available, TextEncoder/TextDecoder otherwise.
 */
import { protocolError } from './errors.js';
import { type FastBuffer, NodeBuffer } from './platform.js';

/** Without Node Buffer, ASCII strings up to this many bytes are decoded in JS, longer ones by TextDecoder. */
const SHORT = 24;
/** ASCII strings up to this many UTF-16 units are written in JS; longer ones go to the native encoder. */
const SHORT_WRITE = 64;

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const textEncoder = new TextEncoder();

/**
 * Index of the first byte where `bytes[start..end)` stops being well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 when it is well-formed. With `rejectNull` a 0x00
 * byte also stops it.
 */
export function findInvalidUtf8(bytes: Uint8Array, start: number, end: number, rejectNull: boolean): number {
  let i = start;
  while (i < end) {
    const c = bytes[i]!;
    if (c < 0x80) {
      if (c === 0 && rejectNull) return i;
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f; // D800..DFFF would follow
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= end) return i; // truncated sequence
    const c1 = bytes[i + 1]!;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const ck = bytes[i + k]!;
      if (ck < 0x80 || ck > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** True when `bytes` is well-formed UTF-8 (U+0000 allowed), e.g. to check a payload with Payload Format 1. */
export function isWellFormedUtf8(bytes: Uint8Array): boolean {
  return findInvalidUtf8(bytes, 0, bytes.length, false) === -1;
}

/** Decodes a UTF-8 Encoded String from `bytes[start..end)`; throws INVALID_UTF8 naming `field`. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number, field: string): string {
  // ASCII fast path: one scan finds both non-ASCII bytes and U+0000.
  let i = start;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 0x80 || c === 0) break;
  }
  if (i === end) return decodeAscii(bytes, start, end);
  const bad = findInvalidUtf8(bytes, i, end, true);
  if (bad !== -1) {
    const detail =
      bytes[bad] === 0
        ? 'contains U+0000'
        : `ill-formed UTF-8 at byte ${bad - start} (overlong, surrogate, truncated or above U+10FFFF)`;
    throw protocolError('INVALID_UTF8', field, detail);
  }
  return NodeBuffer
    ? (bytes as FastBuffer).utf8Slice(start, end)
    : textDecoder.decode(bytes.subarray(start, end));
}

/** Decodes bytes the caller has checked to be ASCII without U+0000. */
export function decodeAscii(bytes: Uint8Array, start: number, end: number): string {
  if (NodeBuffer) return (bytes as FastBuffer).latin1Slice(start, end);
  return end - start <= SHORT
    ? asciiShort(bytes, start, end)
    : textDecoder.decode(bytes.subarray(start, end));
}

function asciiShort(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * UTF-8 byte length of `value` for encoding, after checking it is a valid UTF-8 Encoded String: no U+0000 and
 * no lone surrogate (which cannot be encoded as well-formed UTF-8). Throws INVALID_UTF8 naming `field`.
 */
export function utf8Length(value: string, field: string): number {
  if (typeof value !== 'string') throw new TypeError(`${field}: expected a string, got ${typeof value}`);
  const n = value.length;
  // Node fast path: the native count equals the length only for pure ASCII, which needs just the U+0000 check.
  if (NodeBuffer !== undefined && NodeBuffer.byteLength(value, 'utf8') === n) {
    if (value.indexOf('\u0000') !== -1) throw protocolError('INVALID_UTF8', field, 'contains U+0000');
    return n;
  }
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw protocolError('INVALID_UTF8', field, 'contains U+0000');
      bytes += 1;
    } else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? value.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) {
        throw protocolError('INVALID_UTF8', field, `lone surrogate at index ${i}`);
      }
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Writes `value` as UTF-8 at `offset` (no length prefix) and returns the number of bytes written. The
 * caller has validated `value` with `utf8Length` and sized `target` for it. `byteLength`, when the caller
 * knows it, lets pure ASCII go straight to the native Latin-1 writer.
 */
export function writeUtf8(target: Uint8Array, value: string, offset: number, byteLength = -1): number {
  if (byteLength === value.length && NodeBuffer) {
    return (target as FastBuffer).latin1Write(value, offset, byteLength);
  }
  const n = value.length;
  if (n <= SHORT_WRITE) {
    let i = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      target[offset + i] = c;
    }
    if (i === n) return n;
  }
  if (NodeBuffer) return (target as FastBuffer).utf8Write(value, offset, target.length - offset);
  return textEncoder.encodeInto(value, target.subarray(offset)).written;
}
