/**
 * Differential tests against mqtt-packet@9 as an oracle: thousands of random valid packets of every type, in
 * both directions (ours encodes -> mqtt-packet parses; mqtt-packet generates -> ours decodes).
 *
 * Cases excluded because mqtt-packet deviates from the spec (each excluded narrowly, in the arbitraries):
 * - a CONNECT password without a username: mqtt-packet refuses it even in 5.0, where it is allowed (3.1.2.9);
 * - an empty client identifier with cleanStart false (3.1.1/5.0) or in 3.1: mqtt-packet refuses to encode it,
 *   while the spec lets the server decide (CONNACK 0x02 / 0x85);
 * - repeated user property keys with an empty first value: its parser tests the value for truthiness and
 *   overwrites instead of collecting (values are generated non-empty);
 * - user property order across different keys: its object form regroups by key (compared after `regroup`).
 * Version 3 (MQIsdp) runs with the same arbitraries: mqtt-packet handles every 3.1 packet we generate.
 */
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket, type Packet, type ProtocolVersion } from '../src/index.js';
import { packetArb } from './arbitraries.js';
import { plain } from './helpers.js';
import { canonical, fromTheirs, toTheirs } from './mqtt-packet-map.js';

/** Runs per property; raise it for a deeper search, e.g. FUZZ_RUNS=100000. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);

function theirParse(bytes: Uint8Array, version: ProtocolVersion): Record<string, unknown> {
  const parser = mqtt.parser({ protocolVersion: version });
  const out: Record<string, unknown>[] = [];
  let failure: unknown;
  parser.on('packet', (p) => out.push(p as unknown as Record<string, unknown>));
  parser.on('error', (e: unknown) => {
    failure = e;
  });
  parser.parse(Buffer.from(bytes));
  if (failure) throw failure;
  expect(out).toHaveLength(1);
  return out[0]!;
}

const arb = (version: ProtocolVersion) =>
  packetArb(version, { passwordNeedsUsername: true, clientIdRules: true });

for (const version of [3, 4, 5] as const) {
  describe(`differential vs mqtt-packet, version ${version}`, () => {
    it('ours encodes -> mqtt-packet parses the same packet', () => {
      fc.assert(
        fc.property(arb(version), (p: Packet) => {
          const parsed = theirParse(encodePacket(p, version), version);
          expect(plain(fromTheirs(parsed, version))).toEqual(plain(canonical(p)));
        }),
        { numRuns: RUNS },
      );
    });

    it('mqtt-packet generates -> ours decodes the same packet', () => {
      fc.assert(
        fc.property(arb(version), (p: Packet) => {
          const bytes = mqtt.generate(toTheirs(p, version) as never, { protocolVersion: version });
          expect(plain(decodePacket(bytes, { protocolVersion: version }))).toEqual(plain(canonical(p)));
        }),
        { numRuns: RUNS },
      );
    });
  });
}
