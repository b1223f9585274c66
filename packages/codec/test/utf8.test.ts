import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, isWellFormedUtf8, MqttProtocolError } from '../src/index.js';
import { findInvalidUtf8 } from '../src/utf8.js';
import { hexBytes } from './fixtures.js';
import { frame } from './helpers.js';

const decodeTopic = (topicHex: string): string => {
  const n = topicHex.replace(/\s+/g, '').length / 2;
  const len = n.toString(16).padStart(4, '0');
  const p = decodePacket(hexBytes(frame('30', `${len}${topicHex}`)), { protocolVersion: 4 });
  return (p as { topic: string }).topic;
};

describe('UTF-8 Encoded Strings', () => {
  it('[MQTT-1.5.4-3] keeps a leading BOM (EF BB BF) as U+FEFF', () => {
    expect(decodeTopic('efbbbf 61')).toBe('\ufeffa');
    expect(decodeTopic('61 efbbbf')).toBe('a\ufeff');
  });

  it('[MQTT-1.5.3-3] keeps a BOM in long strings too (native decoder path)', () => {
    expect(decodeTopic(`efbbbf${'61'.repeat(100)}`)).toBe(`\ufeff${'a'.repeat(100)}`);
  });

  it('decodes 2-, 3- and 4-byte sequences, short and long', () => {
    expect(decodeTopic('c3a4 e282ac f09f9880')).toBe('ä€😀');
    const long = `${'ä'.repeat(40)}😀`;
    const bytes = encodePacket(
      { type: 'publish', topic: long, payload: new Uint8Array(), qos: 0, retain: false, dup: false },
      4,
    );
    expect((decodePacket(bytes) as { topic: string }).topic).toBe(long);
  });

  it('accepts the boundary code points U+007F, U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF', () => {
    expect(decodeTopic('7f c280 dfbf e0a080 efbfbf f0908080 f48fbfbf')).toBe(
      '\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}',
    );
  });

  const bad: [string, string][] = [
    ['overlong 2-byte (C1 BF)', 'c1bf'],
    ['overlong 3-byte (E0 9F BF)', 'e09fbf'],
    ['overlong 4-byte (F0 8F BF BF)', 'f08fbfbf'],
    ['high surrogate U+D800 (ED A0 80)', 'eda080'],
    ['low surrogate U+DFFF (ED BF BF)', 'edbfbf'],
    ['above U+10FFFF (F4 90 80 80)', 'f4908080'],
    ['invalid lead byte F5', 'f5808080'],
    ['invalid byte FF', 'ff'],
    ['lone continuation byte', '80'],
    ['truncated 3-byte sequence at the end', 'e282'],
    ['2-byte lead followed by ASCII', 'c341'],
  ];
  for (const [name, hex] of bad) {
    it(`[MQTT-1.5.4-1] rejects ${name}`, () => {
      expect(() => decodeTopic(`61${hex}`)).toThrow(MqttProtocolError);
      expect(isWellFormedUtf8(hexBytes(hex))).toBe(false);
    });
  }

  it('[MQTT-1.5.4-2] rejects U+0000 in strings but isWellFormedUtf8 accepts it in payloads', () => {
    expect(() => decodeTopic('6100')).toThrow(/U\+0000/);
    expect(isWellFormedUtf8(hexBytes('6100'))).toBe(true);
    expect(findInvalidUtf8(hexBytes('6100'), 0, 2, true)).toBe(1);
  });

  it('[MQTT-1.5.4-1] the encoder refuses lone surrogates and accepts pairs', () => {
    const pub = (topic: string) => ({
      type: 'publish' as const,
      topic,
      payload: new Uint8Array(),
      qos: 0 as const,
      retain: false,
      dup: false,
    });
    expect(() => encodePacket(pub('\ud83d'), 4)).toThrow(MqttProtocolError);
    expect(() => encodePacket(pub('\ude00x'), 4)).toThrow(MqttProtocolError);
    expect(encodePacket(pub('\ud83d\ude00'), 4).length).toBe(2 + 2 + 4);
  });
});
