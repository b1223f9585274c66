import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket } from '../src/index.js';
import { packetArb } from './arbitraries.js';
import { plain } from './helpers.js';

describe('randomized round trips', () => {
  for (const version of [3, 4, 5] as const) {
    it(`decode(encode(p)) equals p for random valid packets (v${version})`, () => {
      fc.assert(
        fc.property(packetArb(version), (p) => {
          const bytes = encodePacket(p, version);
          expect(plain(decodePacket(bytes, { protocolVersion: version }))).toEqual(plain(p));
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 2000) },
      );
    });
  }
});
