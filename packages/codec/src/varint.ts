/** Variable Byte Integers (5.0 section 1.5.5, 3.1.1 section 2.2.3): 1 to 4 bytes, 7 bits each. */
import { MAX_VARINT } from './constants.js';

/** Encoded size of `value` (0..268,435,455) in bytes. */
export function varintLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  return 4;
}

/** Writes `value` at `offset` in the minimal number of bytes; returns the new offset. */
export function writeVarint(target: Uint8Array, value: number, offset: number): number {
  while (value >= 0x80) {
    target[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  target[offset++] = value;
  return offset;
}

/** True for an integer a Variable Byte Integer can carry. */
export function isVarintValue(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_VARINT;
}
