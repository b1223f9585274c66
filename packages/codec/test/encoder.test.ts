import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeBatch,
  encodedLength,
  encodeInto,
  encodePacket,
  MqttProtocolError,
  type Packet,
  type ProtocolErrorCodeName,
  type ProtocolVersion,
} from '../src/index.js';
import { toHex } from './fixtures.js';
import { plain } from './helpers.js';

const payload = new Uint8Array([1]);
const pub = (over: Partial<Extract<Packet, { type: 'publish' }>>): Packet => ({
  type: 'publish',
  topic: 'a/b',
  payload,
  qos: 0,
  retain: false,
  dup: false,
  ...over,
});
const connect = (over: Partial<Extract<Packet, { type: 'connect' }>>): Packet => ({
  type: 'connect',
  protocolVersion: 4,
  protocolName: 'MQTT',
  clientId: 'c',
  cleanStart: true,
  keepAlive: 0,
  ...over,
});

interface Refusal {
  title: string;
  version: ProtocolVersion;
  packet: Packet;
  code: ProtocolErrorCodeName;
  reasonCode: number;
}

const refusals: Refusal[] = [
  {
    title: '[MQTT-3.3.1-4] PUBLISH QoS 3',
    version: 4,
    packet: pub({ qos: 3 as 0 }),
    code: 'INVALID_QOS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.3.1-2] DUP on a QoS 0 PUBLISH',
    version: 4,
    packet: pub({ dup: true }),
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-2.2.1-3] QoS 1 PUBLISH without a packet identifier',
    version: 5,
    packet: pub({ qos: 1 }),
    code: 'INVALID_PACKET_ID',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-2.3.1-1] QoS 2 PUBLISH with packet identifier 0',
    version: 4,
    packet: pub({ qos: 2, packetId: 0 }),
    code: 'INVALID_PACKET_ID',
    reasonCode: 0x82,
  },
  {
    title: 'packet identifier above 65535',
    version: 4,
    packet: { type: 'puback', packetId: 65536 },
    code: 'INVALID_PACKET_ID',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.3.2-2] PUBLISH topic with a wildcard',
    version: 4,
    packet: pub({ topic: 'a/+' }),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: '[MQTT-3.3.2-2] non-ASCII PUBLISH topic with a wildcard',
    version: 4,
    packet: pub({ topic: 'ä/#' }),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: '[MQTT-4.7.3-1] empty PUBLISH topic (3.1.1)',
    version: 4,
    packet: pub({ topic: '' }),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: 'empty PUBLISH topic without Topic Alias (5.0)',
    version: 5,
    packet: pub({ topic: '' }),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.3.2-8] Topic Alias 0',
    version: 5,
    packet: pub({ properties: { topicAlias: 0 } }),
    code: 'INVALID_TOPIC_ALIAS',
    reasonCode: 0x94,
  },
  {
    title: '[MQTT-1.5.4-2] [MQTT-4.7.3-2] topic containing U+0000',
    version: 5,
    packet: pub({ topic: 'a\u0000' }),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.4-1] topic with a lone surrogate',
    version: 5,
    packet: pub({ topic: 'a\ud800' }),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.3-1] client identifier with a lone low surrogate',
    version: 4,
    packet: connect({ clientId: '\udc00' }),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-4.7.3-3] topic longer than 65,535 bytes',
    version: 4,
    packet: pub({ topic: 'a'.repeat(65536) }),
    code: 'STRING_TOO_LONG',
    reasonCode: 0x81,
  },
  {
    title: 'property not allowed in the packet',
    version: 5,
    packet: { type: 'puback', packetId: 1, properties: { topicAlias: 1 } as never },
    code: 'PROPERTY_NOT_ALLOWED',
    reasonCode: 0x82,
  },
  {
    title: 'Receive Maximum 0',
    version: 5,
    packet: connect({ protocolVersion: 5, properties: { receiveMaximum: 0 } }),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Maximum Packet Size 0',
    version: 5,
    packet: connect({ protocolVersion: 5, properties: { maximumPacketSize: 0 } }),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Subscription Identifier 0',
    version: 5,
    packet: {
      type: 'subscribe',
      packetId: 1,
      properties: { subscriptionIdentifier: 0 },
      subscriptions: [{ topicFilter: 'a', qos: 0 }],
    },
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Payload Format Indicator 2',
    version: 5,
    packet: pub({ properties: { payloadFormatIndicator: 2 } }),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.3.2-14] Response Topic with a wildcard',
    version: 5,
    packet: pub({ properties: { responseTopic: 'r/#' } }),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Authentication Data without Authentication Method',
    version: 5,
    packet: connect({ protocolVersion: 5, properties: { authenticationData: payload } }),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.1.2-22] password without user name (3.1.1)',
    version: 4,
    packet: connect({ password: payload }),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-14] Will QoS 3',
    version: 4,
    packet: connect({ will: { topic: 't', payload, qos: 3 as 0, retain: false } }),
    code: 'INVALID_QOS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-4.7.0-1] Will Topic with a wildcard',
    version: 5,
    packet: connect({ protocolVersion: 5, will: { topic: 't/#', payload, qos: 0, retain: false } }),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: '[MQTT-3.1.2-1] protocol name that does not match the version',
    version: 4,
    packet: connect({ protocolName: 'MQIsdp' }),
    code: 'INVALID_PROTOCOL_NAME',
    reasonCode: 0x84,
  },
  {
    title: 'CONNECT with protocol version 6',
    version: 4,
    packet: connect({ protocolVersion: 6 as 4 }),
    code: 'UNSUPPORTED_PROTOCOL_VERSION',
    reasonCode: 0x84,
  },
  {
    title: '[MQTT-3.2.2-6] CONNACK Session Present with a non-zero reason code',
    version: 5,
    packet: { type: 'connack', sessionPresent: true, reasonCode: 0x87 },
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.2.2-4] CONNACK Session Present with a non-zero return code (3.1.1)',
    version: 4,
    packet: { type: 'connack', sessionPresent: true, reasonCode: 5 },
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.2.2-8] CONNACK with a reason code CONNACK does not define',
    version: 5,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 0x04 },
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: 'CONNACK return code 0x80 (3.1.1)',
    version: 4,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 0x80 },
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.4.2-1] PUBACK with a reason code PUBACK does not define',
    version: 5,
    packet: { type: 'puback', packetId: 1, reasonCode: 0x92 },
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.8.3-3] SUBSCRIBE without subscriptions (3.1.1)',
    version: 4,
    packet: { type: 'subscribe', packetId: 1, subscriptions: [] },
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.8.3-2] SUBSCRIBE without subscriptions (5.0)',
    version: 5,
    packet: { type: 'subscribe', packetId: 1, subscriptions: [] },
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-4.7.1-1] SUBSCRIBE to a/#/b',
    version: 5,
    packet: { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a/#/b', qos: 0 }] },
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: 'SUBSCRIBE with Retain Handling 3',
    version: 5,
    packet: {
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: 'a', qos: 0, retainHandling: 3 as 0 }],
    },
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.8.3-4] No Local on a Shared Subscription',
    version: 5,
    packet: {
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: '$share/g/a', qos: 0, noLocal: true }],
    },
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.10.3-2] UNSUBSCRIBE without topic filters',
    version: 4,
    packet: { type: 'unsubscribe', packetId: 1, topicFilters: [] },
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.9.3-2] SUBACK return code 0x87 in 3.1.1',
    version: 4,
    packet: { type: 'suback', packetId: 1, reasonCodes: [0x87] },
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.11.3-2] UNSUBACK with a reason code UNSUBACK does not define',
    version: 5,
    packet: { type: 'unsuback', packetId: 1, reasonCodes: [0x02] },
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.14.2-1] DISCONNECT with a reason code DISCONNECT does not define',
    version: 5,
    packet: { type: 'disconnect', reasonCode: 0x01 },
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.15.2-1] AUTH with a reason code AUTH does not define',
    version: 5,
    packet: { type: 'auth', reasonCode: 0x00 + 1, properties: { authenticationMethod: 'm' } },
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: 'AUTH without an Authentication Method',
    version: 5,
    packet: { type: 'auth', reasonCode: 0x18 },
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: 'AUTH in 3.1.1',
    version: 4,
    packet: { type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'm' } },
    code: 'INVALID_PACKET_TYPE',
    reasonCode: 0x81,
  },
];

describe('the encoder refuses what a sender must not send', () => {
  for (const r of refusals) {
    it(`${r.title} -> ${r.code} (v${r.version})`, () => {
      let error: unknown;
      try {
        encodePacket(r.packet, r.version);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MqttProtocolError);
      expect((error as MqttProtocolError).code).toBe(r.code);
      expect((error as MqttProtocolError).reasonCode).toBe(r.reasonCode);
      expect(() => encodedLength(r.packet, r.version)).toThrow(MqttProtocolError);
    });
  }

  it('throws TypeError for values of the wrong JavaScript type', () => {
    expect(() => encodePacket(pub({ payload: 'text' as never }), 4)).toThrow(TypeError);
    expect(() => encodePacket(pub({ topic: 5 as never }), 4)).toThrow(TypeError);
    expect(() => encodePacket({ type: 'nope' } as never, 4)).toThrow(TypeError);
    expect(() => encodePacket(pub({ properties: { bogus: 1 } as never }), 5)).toThrow(TypeError);
    expect(() => encodePacket(connect({ password: 'pw' as never, username: 'u' }), 4)).toThrow(TypeError);
  });

  it('throws RangeError for a bad protocol version, keepAlive or target', () => {
    expect(() => encodePacket({ type: 'pingreq' }, 6 as 5)).toThrow(RangeError);
    expect(() => encodePacket(connect({ keepAlive: 70000 }), 4)).toThrow(RangeError);
    expect(() => encodeInto({ type: 'pingreq' }, 4, new Uint8Array(1), 0)).toThrow(RangeError);
    expect(() => encodeInto({ type: 'pingreq' }, 4, new Uint8Array(4), 3)).toThrow(RangeError);
  });
});

describe('the encoder writes the shortest valid form', () => {
  it('omits the packet identifier of a QoS 0 PUBLISH [MQTT-2.2.1-2]', () => {
    expect(toHex(encodePacket(pub({ packetId: 9 }), 5))).toBe('3007' + '0003612f62' + '00' + '01');
  });

  it('leaves out what 3.1.1 cannot carry: properties and ack reason codes', () => {
    expect(toHex(encodePacket(pub({ properties: { contentType: 'x' } }), 4))).toBe('30060003612f6201');
    expect(toHex(encodePacket({ type: 'puback', packetId: 1, reasonCode: 0x10 }, 4))).toBe('40020001');
    expect(toHex(encodePacket({ type: 'unsuback', packetId: 1, reasonCodes: [0x11] }, 4))).toBe('b0020001');
    expect(toHex(encodePacket({ type: 'disconnect', reasonCode: 0x8e }, 4))).toBe('e000');
  });

  it('writes Property Length 0 when there are no properties [MQTT-2.2.2-1]', () => {
    expect(toHex(encodePacket({ type: 'suback', packetId: 1, reasonCodes: [0] }, 5))).toBe(
      '9004000100' + '00',
    );
    expect(
      toHex(encodePacket({ type: 'connack', sessionPresent: false, reasonCode: 0, properties: {} }, 5)),
    ).toBe('2003000000');
  });

  it('accepts a password without a user name in 5.0', () => {
    const bytes = encodePacket(connect({ protocolVersion: 5, password: payload }), 5);
    expect(plain(decodePacket(bytes))).toMatchObject({
      type: 'connect',
      protocolVersion: 5,
      password: payload,
    });
  });

  it('writes 4-byte Remaining Lengths', () => {
    // Remaining Length 2,097,157 (5 + 2,097,152) = 0x200005 -> 85 80 80 01.
    const big = pub({ payload: new Uint8Array(2_097_152) });
    const bytes = encodePacket(big, 4);
    expect(toHex(bytes.subarray(0, 5))).toBe('3085808001');
    expect(bytes.length).toBe(encodedLength(big, 4));
  });

  it('encodeBatch of nothing is empty', () => {
    expect(encodeBatch([], 4).length).toBe(0);
  });

  it('keeps encodeInto targets that are plain Uint8Arrays intact around the packet', () => {
    const target = new Uint8Array(32).fill(7);
    const end = encodeInto(pub({ topic: 'ü' }), 4, target, 4);
    expect(Array.from(target.subarray(0, 4))).toEqual([7, 7, 7, 7]);
    expect(toHex(target.subarray(4, end))).toBe('30050002c3bc01');
    expect(target[end]).toBe(7);
  });
});

describe('encoded packets own their bytes', () => {
  const sized = (fill: number, size: number): Packet => pub({ payload: new Uint8Array(size).fill(fill) });
  // Small and 4 KiB packets share slabs in Node; 1.2 MB of them crosses several slab replacements.
  const sizes = [64, 4096, 4096, 1, 4096, 9000, 32_000, 4096];

  it('keeps every returned view intact while later packets are encoded', () => {
    const kept: { bytes: Uint8Array; fill: number; size: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const size = sizes[i % sizes.length]!;
      const fill = i % 251;
      kept.push({ bytes: encodePacket(sized(fill, size), 4), fill, size });
    }
    for (const { bytes, fill, size } of kept) {
      expect(bytes.length).toBe(encodedLength(sized(fill, size), 4));
      expect(bytes.subarray(bytes.length - size).every((b) => b === fill)).toBe(true);
    }
  });

  it('hands out views that never overlap', () => {
    const views = [...sizes, ...sizes, ...sizes].map((size, i) => encodePacket(sized(i, size), 4));
    const ranges = views.map((v) => ({
      buffer: v.buffer,
      start: v.byteOffset,
      end: v.byteOffset + v.length,
    }));
    for (const [i, a] of ranges.entries()) {
      for (const b of ranges.slice(i + 1)) {
        const overlap = a.buffer === b.buffer && a.start < b.end && b.start < a.end;
        expect(overlap).toBe(false);
      }
    }
  });

  it('gives a packet larger than 32 KiB a buffer of exactly its size', () => {
    const bytes = encodePacket(sized(3, 40_000), 4);
    expect(bytes.length).toBe(40_000 + 1 + 3 + 5);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.length);
  });
});
