import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixtures, hexBytes, toHex } from './fixtures.js';
import { plain } from './helpers.js';

type Codec = typeof import('../src/index.js');

/** Loads a fresh copy of the codec with globalThis.Buffer removed, so it takes the TextEncoder/Decoder path. */
describe('without Node Buffer (browser path)', () => {
  let codec: Codec;

  beforeAll(async () => {
    vi.stubGlobal('Buffer', undefined);
    vi.resetModules();
    codec = await import('../src/index.js');
    vi.unstubAllGlobals();
  });

  afterAll(() => {
    vi.resetModules();
  });

  it('decodes and encodes every fixture byte-exactly with plain Uint8Arrays', () => {
    for (const f of fixtures) {
      const bytes = hexBytes(f.hex);
      const decoded = codec.decodePacket(bytes, { protocolVersion: f.version });
      expect(plain(decoded)).toEqual(plain(f.packet));
      const encoded = codec.encodePacket(f.packet, f.version);
      expect(encoded.constructor).toBe(Uint8Array);
      expect(encoded.buffer.byteLength).toBe(encoded.length);
      expect(toHex(encoded)).toBe(toHex(bytes));
    }
  });

  it('streams every fixture one byte at a time and encodes them as a batch and into a target', () => {
    const decoder = new codec.PacketDecoder({ protocolVersion: 5 });
    const out: unknown[] = [];
    const v5 = fixtures.filter((f) => f.version === 5 && f.packet.type !== 'connect');
    const batch = codec.encodeBatch(
      v5.map((f) => f.packet),
      5,
    );
    expect(batch.constructor).toBe(Uint8Array);
    for (const b of batch) decoder.push(Uint8Array.of(b), (p) => out.push(p));
    expect(plain(out)).toEqual(plain(v5.map((f) => f.packet)));
    const target = new Uint8Array(batch.length + 2);
    let offset = 1;
    for (const f of v5) offset = codec.encodeInto(f.packet, 5, target, offset);
    expect(toHex(target.subarray(1, offset))).toBe(toHex(batch));
  });

  it('hands out payloads as plain Uint8Array views', () => {
    const bytes = hexBytes('3007 0003612f62 6869');
    const p = codec.decodePacket(bytes) as { payload: Uint8Array };
    expect(p.payload.constructor).toBe(Uint8Array);
    expect(p.payload.buffer).toBe(bytes.buffer);
  });

  it('[MQTT-1.5.4-1] rejects ill-formed UTF-8 and keeps long and non-ASCII strings intact', () => {
    const long = `${'x'.repeat(100)}/ä/😀`;
    const enc = codec.encodePacket({ type: 'unsubscribe', packetId: 1, topicFilters: [long] }, 4);
    expect((codec.decodePacket(enc) as { topicFilters: string[] }).topicFilters).toEqual([long]);
    expect(() => codec.decodePacket(hexBytes('3005 0001 c0 6869'))).toThrow(codec.MqttProtocolError);
  });
});

describe('portability', () => {
  it('imports no Node built-in module anywhere in src', () => {
    const dir = new URL('../src/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(text, file).not.toMatch(/from ['"](node:|buffer|fs|events|stream)/);
      expect(text, file).not.toMatch(/require\(/);
    }
  });
});
