import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeBatch,
  encodedLength,
  encodeInto,
  encodePacket,
  PacketDecoder,
} from '../src/index.js';
import { plain } from './helpers.js';
import { samplePackets } from './samples.js';

for (const version of [3, 4, 5] as const) {
  describe(`round trip, version ${version}`, () => {
    const packets = samplePackets(version);
    for (const packet of packets) {
      it(`${packet.type}: decode(encode(p)) equals p`, () => {
        const bytes = encodePacket(packet, version);
        expect(bytes.length).toBe(encodedLength(packet, version));
        expect(plain(decodePacket(bytes, { protocolVersion: version }))).toEqual(plain(packet));
      });
    }

    it('encodeBatch equals the concatenation of encodePacket', () => {
      const batch = encodeBatch(packets, version);
      const parts = packets.map((p) => encodePacket(p, version));
      expect(plain(batch)).toEqual(plain(new Uint8Array(Buffer.concat(parts))));
    });

    it('encodeInto writes at an offset and returns the end offset', () => {
      const target = new Uint8Array(1024).fill(0xee);
      let offset = 3;
      for (const p of packets) offset = encodeInto(p, version, target, offset);
      expect(target[0]).toBe(0xee);
      expect(target[offset]).toBe(0xee);
      const decoder = new PacketDecoder({ protocolVersion: version });
      const out: unknown[] = [];
      decoder.push(target.subarray(3, offset), (p) => out.push(p));
      expect(plain(out)).toEqual(plain(packets));
    });
  });
}
