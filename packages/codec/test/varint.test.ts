import { describe, expect, it } from 'vitest';
import { MqttProtocolError } from '../src/index.js';
import { Reader } from '../src/reader.js';
import { isVarintValue, varintLength, writeVarint } from '../src/varint.js';
import { hexBytes, toHex } from './fixtures.js';

const encode = (n: number): string => {
  const out = new Uint8Array(4);
  return toHex(out.subarray(0, writeVarint(out, n, 0)));
};
const decode = (hex: string): number => {
  const b = hexBytes(hex);
  return new Reader(b, 0, b.length).varint('v');
};

describe('Variable Byte Integer', () => {
  // The boundary values of the spec's table in section 1.5.5 / 2.2.3.
  const table: [number, string][] = [
    [0, '00'],
    [127, '7f'],
    [128, '8001'],
    [16_383, 'ff7f'],
    [16_384, '808001'],
    [2_097_151, 'ffff7f'],
    [2_097_152, '80808001'],
    [268_435_455, 'ffffff7f'],
  ];
  for (const [n, hex] of table) {
    it(`[MQTT-1.5.5-1] encodes ${n} minimally as ${hex} and decodes it back`, () => {
      expect(encode(n)).toBe(hex);
      expect(varintLength(n)).toBe(hex.length / 2);
      expect(decode(hex)).toBe(n);
    });
  }

  it('[MQTT-1.5.5-1] rejects non-minimal encodings of every length', () => {
    for (const hex of ['8000', '808000', '80808000', 'ff8000']) {
      expect(() => decode(hex)).toThrow(MqttProtocolError);
    }
  });

  it('rejects a fifth byte and a truncated integer', () => {
    expect(() => decode('ffffffff7f')).toThrow(/longer than 4 bytes/);
    expect(() => decode('ff')).toThrow(MqttProtocolError);
  });

  it('knows the range', () => {
    expect(isVarintValue(268_435_455)).toBe(true);
    expect(isVarintValue(268_435_456)).toBe(false);
    expect(isVarintValue(-1)).toBe(false);
    expect(isVarintValue(1.5)).toBe(false);
  });
});
