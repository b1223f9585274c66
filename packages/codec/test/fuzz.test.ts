/**
 * Fuzzing the decoder and the encoder: random and mutated byte streams (bit flips, truncation, splicing,
 * insertions) in random chunkings never throw anything but MqttProtocolError, always finish, and never
 * buffer more than maxPacketSize. Mutated packet objects never crash the encoder with anything but
 * TypeError/RangeError/MqttProtocolError, and whatever it accepts, the decoder accepts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeBatch,
  encodePacket,
  MqttProtocolError,
  type Packet,
  PacketDecoder,
  type ProtocolVersion,
  type Side,
} from '../src/index.js';
import { packetArb } from './arbitraries.js';
import { plain } from './helpers.js';

/** Runs per property; raise it for a deeper search, e.g. FUZZ_RUNS=100000. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const version = fc.constantFrom<ProtocolVersion>(3, 4, 5);
const side = fc.constantFrom<Side | undefined>(undefined, 'server', 'client');
const chunkSizes = fc.array(fc.integer({ min: 1, max: 48 }), { minLength: 1, maxLength: 16 });

/** Splits `bytes` by cycling through `sizes`. */
function chunk(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** Feeds the chunks; returns the packets, rethrowing only non-protocol errors. Checks the buffer bound. */
function feed(decoder: PacketDecoder, chunks: Uint8Array[]): Packet[] {
  const packets: Packet[] = [];
  for (const c of chunks) {
    try {
      decoder.push(c, (p) => packets.push(p));
    } catch (e) {
      if (e instanceof MqttProtocolError) return packets;
      throw e;
    }
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(decoder.maxPacketSize);
  }
  return packets;
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'set'; at: number; byte: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0xc0, 0xed),
  }),
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = Array.from(bytes);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at]! ^= 1 << m.bit;
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'insert') b.splice(at, 0, m.byte);
    else if (m.kind === 'delete') b.splice(at, 1);
    else b[at] = m.byte;
  }
  return Uint8Array.from(b);
}

/** A valid stream of 1..4 packets of one version (CONNECT excluded: it would switch the version). */
const validStream = version.chain((v) =>
  fc
    .array(
      packetArb(v).filter((p) => p.type !== 'connect'),
      { minLength: 1, maxLength: 4 },
    )
    .map((packets) => ({ v, bytes: encodeBatch(packets, v), packets })),
);

describe('decoder fuzzing', () => {
  it('random bytes in random chunks: only MqttProtocolError, bounded buffer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        chunkSizes,
        version,
        side,
        fc.integer({ min: 2, max: 300 }),
        (bytes, sizes, v, s, max) => {
          feed(new PacketDecoder({ protocolVersion: v, side: s, maxPacketSize: max }), chunk(bytes, sizes));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random bytes given to decodePacket: only MqttProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), version, side, (bytes, v, s) => {
        try {
          decodePacket(bytes, { protocolVersion: v, side: s });
        } catch (e) {
          if (!(e instanceof MqttProtocolError)) throw e;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated valid streams (bit flips, truncation, insertions, deletions): only MqttProtocolError', () => {
    fc.assert(
      fc.property(
        validStream,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        chunkSizes,
        side,
        ({ v, bytes }, mutations, sizes, s) => {
          const mutated = mutate(bytes, mutations);
          feed(new PacketDecoder({ protocolVersion: v, side: s, maxPacketSize: 256 }), chunk(mutated, sizes));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('spliced valid streams: only MqttProtocolError, and an unmutated prefix decodes as before', () => {
    fc.assert(
      fc.property(validStream, validStream, fc.nat(), fc.nat(), (a, b, cutA, cutB) => {
        const left = a.bytes.subarray(0, cutA % (a.bytes.length + 1));
        const right = b.bytes.subarray(cutB % (b.bytes.length + 1));
        const spliced = new Uint8Array(left.length + right.length);
        spliced.set(left);
        spliced.set(right, left.length);
        const got = feed(new PacketDecoder({ protocolVersion: a.v }), chunk(spliced, [7, 1, 13]));
        // Packets wholly inside the untouched prefix come out exactly as encoded, before any failure.
        const prefixPackets = feed(new PacketDecoder({ protocolVersion: a.v }), [left]);
        expect(got.length).toBeGreaterThanOrEqual(prefixPackets.length);
        expect(plain(got.slice(0, prefixPackets.length))).toEqual(plain(prefixPackets));
      }),
      { numRuns: RUNS },
    );
  });

  it('valid streams in random chunkings decode completely and leave nothing buffered', () => {
    fc.assert(
      fc.property(validStream, chunkSizes, ({ v, bytes, packets }, sizes) => {
        const decoder = new PacketDecoder({ protocolVersion: v });
        const got = feed(decoder, chunk(bytes, sizes));
        expect(got.map((p) => p.type)).toEqual(packets.map((p) => p.type));
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('never buffers more than maxPacketSize, whatever the announced length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 268_435_455 }),
        fc.integer({ min: 2, max: 4096 }),
        fc.uint8Array({ maxLength: 5000 }),
        chunkSizes,
        (announced, max, body, sizes) => {
          const header: number[] = [0x30];
          let n = announced;
          do {
            let byte = n % 128;
            n = Math.floor(n / 128);
            if (n > 0) byte |= 0x80;
            header.push(byte);
          } while (n > 0);
          const stream = new Uint8Array(header.length + body.length);
          stream.set(header);
          stream.set(body, header.length);
          feed(
            new PacketDecoder({ maxPacketSize: max }),
            chunk(
              stream,
              sizes.map((x) => x * 50),
            ),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('encoder fuzzing', () => {
  const junk = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer({ min: -5, max: 70_000 }),
    fc.double(),
    fc.string({ maxLength: 4 }),
    fc.boolean(),
    fc.uint8Array({ maxLength: 4 }),
    fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 3 }),
    fc.constant({}),
  );

  it('packets with a field replaced by junk: only TypeError/RangeError/MqttProtocolError, and accepted ones decode', () => {
    fc.assert(
      fc.property(version, fc.nat(), junk, fc.nat(), (v, pick, value, pickPacket) => {
        const sample = fc.sample(packetArb(v), { numRuns: 1, seed: pickPacket })[0]!;
        const target = sample as unknown as Record<string, unknown>;
        const fields = Object.keys(target).filter((k) => k !== 'type');
        if (fields.length > 0) target[fields[pick % fields.length]!] = value;
        let bytes: Uint8Array;
        try {
          bytes = encodePacket(sample, v);
        } catch (e) {
          if (e instanceof MqttProtocolError || e instanceof TypeError || e instanceof RangeError) return;
          throw e;
        }
        decodePacket(bytes, { protocolVersion: v });
      }),
      { numRuns: RUNS },
    );
  });
});
