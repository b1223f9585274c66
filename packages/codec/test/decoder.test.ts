import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeBatch,
  encodePacket,
  MqttProtocolError,
  type Packet,
  PacketDecoder,
} from '../src/index.js';
import { hexBytes } from './fixtures.js';
import { frame, plain } from './helpers.js';
import { samplePackets } from './samples.js';

function collect(decoder: PacketDecoder, chunks: Uint8Array[]): Packet[] {
  const out: Packet[] = [];
  for (const c of chunks) decoder.push(c, (p) => out.push(p));
  return out;
}

/** A deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('PacketDecoder framing', () => {
  const packets = samplePackets(5).filter((p) => p.type !== 'connect');
  const stream = encodeBatch(packets, 5);

  it('decodes several packets from one chunk, in order', () => {
    expect(plain(collect(new PacketDecoder({ protocolVersion: 5 }), [stream]))).toEqual(plain(packets));
  });

  it('decodes the stream split at every single position', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const d = new PacketDecoder({ protocolVersion: 5 });
      const out = collect(d, [stream.slice(0, cut), stream.slice(cut)]);
      expect(plain(out)).toEqual(plain(packets));
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('decodes the stream one byte at a time and in random chunkings', () => {
    const d = new PacketDecoder({ protocolVersion: 5 });
    expect(
      plain(
        collect(
          d,
          Array.from(stream, (b) => Uint8Array.of(b)),
        ),
      ),
    ).toEqual(plain(packets));
    const next = rng(7);
    for (let round = 0; round < 50; round++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = 1 + Math.floor(next() * 40);
        chunks.push(stream.slice(i, i + n));
        i += n;
      }
      expect(plain(collect(new PacketDecoder({ protocolVersion: 5 }), chunks))).toEqual(plain(packets));
    }
  });

  it('reports bufferedBytes for an incomplete packet and 0 once complete', () => {
    const bytes = encodePacket(
      { type: 'publish', topic: 't', payload: new Uint8Array(100), qos: 0, retain: false, dup: false },
      4,
    );
    const d = new PacketDecoder();
    const out: Packet[] = [];
    d.push(bytes.subarray(0, 1), (p) => out.push(p));
    expect(d.bufferedBytes).toBe(1);
    d.push(bytes.subarray(1, 50), (p) => out.push(p));
    expect(d.bufferedBytes).toBe(50);
    d.push(bytes.subarray(50), (p) => out.push(p));
    expect(out).toHaveLength(1);
    expect(d.bufferedBytes).toBe(0);
  });

  it('accepts DUP on a retried PUBREL, SUBSCRIBE or UNSUBSCRIBE from an MQTT 3.1 peer, and only there', () => {
    for (const hex of [frame('6a', '0001'), frame('8a', '0001 000161 00'), frame('aa', '0001 000161')]) {
      expect(() => decodePacket(hexBytes(hex), { protocolVersion: 3 })).not.toThrow();
      expect(() => decodePacket(hexBytes(hex), { protocolVersion: 4 })).toThrow(MqttProtocolError);
    }
  });

  it('takes the protocol version from a decoded CONNECT', () => {
    const connect = samplePackets(5)[0]!;
    const d = new PacketDecoder();
    expect(d.protocolVersion).toBe(4);
    const out = collect(d, [
      encodeBatch([connect], 5),
      encodePacket({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } }, 5),
    ]);
    expect(d.protocolVersion).toBe(5);
    expect(out.map((p) => p.type)).toEqual(['connect', 'auth']);
  });
});

describe('PacketDecoder limits', () => {
  it('rejects a packet larger than maxPacketSize from its fixed header, before buffering the body', () => {
    const d = new PacketDecoder({ maxPacketSize: 1024 });
    // PUBLISH announcing 268,435,455 bytes (256 MB): ff ff ff 7f.
    let error: unknown;
    try {
      d.push(hexBytes('30ffffff7f0003612f62'), () => {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MqttProtocolError);
    expect((error as MqttProtocolError).code).toBe('PACKET_TOO_LARGE');
    expect((error as MqttProtocolError).reasonCode).toBe(0x95);
    expect(d.bufferedBytes).toBeLessThanOrEqual(5);
  });

  it('rejects an oversized packet while its Remaining Length is still arriving', () => {
    const d = new PacketDecoder({ maxPacketSize: 2 });
    d.push(hexBytes('30'), () => {});
    expect(() => d.push(hexBytes('80'), () => {})).toThrow(/maximum packet size 2/);
    expect(d.bufferedBytes).toBeLessThanOrEqual(2);
  });

  it('accepts a packet of exactly maxPacketSize', () => {
    const bytes = encodePacket(
      { type: 'publish', topic: 't', payload: new Uint8Array(10), qos: 0, retain: false, dup: false },
      4,
    );
    const d = new PacketDecoder({ maxPacketSize: bytes.length });
    expect(collect(d, [bytes])).toHaveLength(1);
    d.maxPacketSize = bytes.length - 1;
    expect(() => collect(d, [bytes])).toThrow(MqttProtocolError);
  });

  it('buffers only what has arrived of an announced large body', () => {
    const d = new PacketDecoder();
    d.push(hexBytes('30ffffff7f0003612f62'), () => {});
    expect(d.bufferedBytes).toBe(5 + 5);
  });

  it('rejects a chunk that is not a Uint8Array', () => {
    expect(() => new PacketDecoder().push('c000' as never, () => {})).toThrow(TypeError);
  });

  it('rejects a bad maxPacketSize or protocolVersion', () => {
    expect(() => new PacketDecoder({ maxPacketSize: 0 })).toThrow(RangeError);
    expect(() => new PacketDecoder({ protocolVersion: 6 as 5 })).toThrow(RangeError);
    const d = new PacketDecoder();
    d.protocolVersion = 5;
    expect(d.protocolVersion).toBe(5);
    expect(() => {
      d.protocolVersion = 2 as 5;
    }).toThrow(RangeError);
  });

  it('stays failed after a protocol error and rethrows it', () => {
    const d = new PacketDecoder();
    expect(() => d.push(hexBytes('00 00'), () => {})).toThrow(MqttProtocolError);
    expect(() => d.push(hexBytes('c000'), () => {})).toThrow(MqttProtocolError);
  });

  it('refuses a push from inside onPacket', () => {
    const d = new PacketDecoder();
    expect(() => d.push(hexBytes('c000'), () => d.push(hexBytes('c000'), () => {}))).toThrow(
      /inside onPacket/,
    );
  });

  it('stays failed after onPacket throws', () => {
    const d = new PacketDecoder();
    expect(() =>
      d.push(hexBytes('c000 c000'), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(() => d.push(hexBytes('c000'), () => {})).toThrow('PacketDecoder failed');
  });
});

describe('PacketDecoder zero-copy payloads', () => {
  const publish: Packet = {
    type: 'publish',
    topic: 'a',
    payload: new Uint8Array([1, 2, 3, 4]),
    qos: 0,
    retain: false,
    dup: false,
  };

  it('hands out the payload of a packet inside one chunk as a view into that chunk', () => {
    const chunk = encodePacket(publish, 4);
    const [p] = collect(new PacketDecoder(), [chunk]);
    const payload = (p as { payload: Uint8Array }).payload;
    expect(payload.buffer).toBe(chunk.buffer);
    expect(payload.byteOffset).toBe(chunk.byteOffset + 5);
  });

  it('assembles a packet split across chunks into its own buffer, unaffected by later chunk reuse', () => {
    const bytes = encodePacket(publish, 4);
    const reused = new Uint8Array(bytes.length);
    const out: Packet[] = [];
    const d = new PacketDecoder();
    reused.set(bytes.subarray(0, 6));
    d.push(reused.subarray(0, 6), (p) => out.push(p));
    reused.fill(0xff);
    reused.set(bytes.subarray(6));
    d.push(reused.subarray(0, bytes.length - 6), (p) => out.push(p));
    reused.fill(0);
    expect(Array.from((out[0] as { payload: Uint8Array }).payload)).toEqual([1, 2, 3, 4]);
  });
});
