import { describe, expect, it } from 'vitest';
import { decodePacket, encodedLength, encodePacket, PacketDecoder } from '../src/index.js';
import { fixtures, hexBytes, toHex } from './fixtures.js';
import { plain } from './helpers.js';

describe('byte-exact fixtures', () => {
  for (const f of fixtures) {
    const bytes = hexBytes(f.hex);
    describe(`${f.name} (v${f.version})`, () => {
      it('decodes to the packet', () => {
        expect(plain(decodePacket(bytes, { protocolVersion: f.version }))).toEqual(plain(f.packet));
      });
      it('encodes to the bytes', () => {
        expect(toHex(encodePacket(f.packet, f.version))).toBe(toHex(bytes));
        expect(encodedLength(f.packet, f.version)).toBe(bytes.length);
      });
      it('round-trips through the streaming decoder one byte at a time', () => {
        const decoder = new PacketDecoder({ protocolVersion: f.version });
        const out: unknown[] = [];
        for (const b of bytes) decoder.push(Uint8Array.of(b), (p) => out.push(p));
        expect(plain(out)).toEqual([plain(f.packet)]);
        expect(decoder.bufferedBytes).toBe(0);
      });
    });
  }
});
