/**
 * Byte-exact packet vectors: each `hex` was worked out by hand from the spec's field layout, and each
 * `packet` is exactly what the decoder returns for it (so 5.0 acks carry an explicit reasonCode).
 */
import type { Packet, ProtocolVersion } from '../src/index.js';

export interface Fixture {
  name: string;
  version: ProtocolVersion;
  packet: Packet;
  hex: string;
}

export const u8 = (...xs: number[]): Uint8Array => new Uint8Array(xs);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const hexBytes = (hex: string): Uint8Array => {
  const clean = hex.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
};
export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export const fixtures: Fixture[] = [
  {
    name: 'CONNECT minimal',
    version: 4,
    packet: {
      type: 'connect',
      protocolVersion: 4,
      protocolName: 'MQTT',
      clientId: 'test',
      cleanStart: true,
      keepAlive: 60,
    },
    hex: '1010 00044d515454 04 02 003c 000474657374',
  },
  {
    name: 'CONNECT 3.1 (MQIsdp)',
    version: 3,
    packet: {
      type: 'connect',
      protocolVersion: 3,
      protocolName: 'MQIsdp',
      clientId: 'c',
      cleanStart: true,
      keepAlive: 30,
    },
    hex: '100f 00064d5149736470 03 02 001e 000163',
  },
  {
    name: 'CONNECT with will, username and password',
    version: 4,
    packet: {
      type: 'connect',
      protocolVersion: 4,
      protocolName: 'MQTT',
      clientId: 'cid',
      cleanStart: false,
      keepAlive: 10,
      will: { topic: 'wt', payload: utf8('hi'), qos: 2, retain: true },
      username: 'us',
      password: utf8('pw'),
    },
    hex: '101f 00044d515454 04 f4 000a 0003636964 00027774 00026869 00027573 00027077',
  },
  {
    name: 'CONNECT 5.0 with properties and will properties',
    version: 5,
    packet: {
      type: 'connect',
      protocolVersion: 5,
      protocolName: 'MQTT',
      clientId: 'c5',
      cleanStart: true,
      keepAlive: 60,
      properties: { sessionExpiryInterval: 3600, receiveMaximum: 20 },
      will: { topic: 'w', payload: u8(1), qos: 0, retain: false, properties: { willDelayInterval: 5 } },
    },
    hex: '1023 00044d515454 05 06 003c 08 1100000e10 210014 00026335 05 1800000005 000177 000101',
  },
  {
    name: 'CONNACK session present',
    version: 4,
    packet: { type: 'connack', sessionPresent: true, reasonCode: 0 },
    hex: '2002 01 00',
  },
  {
    name: 'CONNACK 3.1 not authorized',
    version: 3,
    packet: { type: 'connack', sessionPresent: false, reasonCode: 5 },
    hex: '2002 00 05',
  },
  {
    name: 'CONNACK 5.0 with properties',
    version: 5,
    packet: {
      type: 'connack',
      sessionPresent: false,
      reasonCode: 0,
      properties: { topicAliasMaximum: 10, retainAvailable: false, assignedClientIdentifier: 'x' },
    },
    hex: '200c 00 00 09 22000a 2500 12000178',
  },
  {
    name: 'PUBLISH QoS 0',
    version: 4,
    packet: { type: 'publish', topic: 'a/b', payload: utf8('hi'), qos: 0, retain: false, dup: false },
    hex: '3007 0003612f62 6869',
  },
  {
    name: 'PUBLISH QoS 1 retain dup',
    version: 4,
    packet: {
      type: 'publish',
      topic: 'a/b',
      payload: utf8('hi'),
      qos: 1,
      retain: true,
      dup: true,
      packetId: 10,
    },
    hex: '3b09 0003612f62 000a 6869',
  },
  {
    name: 'PUBLISH 3.1 QoS 2 empty payload',
    version: 3,
    packet: {
      type: 'publish',
      topic: 'a/b',
      payload: u8(),
      qos: 2,
      retain: false,
      dup: false,
      packetId: 0x1234,
    },
    hex: '3407 0003612f62 1234',
  },
  {
    name: 'PUBLISH non-ASCII topic',
    version: 4,
    packet: { type: 'publish', topic: 'ä/€', payload: u8(), qos: 0, retain: false, dup: false },
    hex: '3008 0006 c3a42fe282ac',
  },
  {
    name: 'PUBLISH topic with a BOM (kept, not stripped)',
    version: 4,
    packet: { type: 'publish', topic: '\ufefft', payload: u8(), qos: 0, retain: false, dup: false },
    hex: '3006 0004 efbbbf74',
  },
  {
    name: 'PUBLISH with a 2-byte Remaining Length',
    version: 4,
    packet: {
      type: 'publish',
      topic: 'a/b',
      payload: new Uint8Array(200),
      qos: 0,
      retain: false,
      dup: false,
    },
    hex: `30cd01 0003612f62 ${'00'.repeat(200)}`,
  },
  {
    name: 'PUBLISH 5.0 with every publish property',
    version: 5,
    packet: {
      type: 'publish',
      topic: 'a/b',
      payload: utf8('x'),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 1,
      properties: {
        payloadFormatIndicator: 1,
        messageExpiryInterval: 60,
        contentType: 't',
        responseTopic: 'r',
        correlationData: u8(0xaa),
        userProperties: [
          ['a', 'b'],
          ['a', 'c'],
        ],
        subscriptionIdentifiers: [1, 200],
      },
    },
    hex: '322f 0003612f62 0001 26 0101 020000003c 03000174 08000172 090001aa 26000161000162 26000161000163 0b01 0bc801 78',
  },
  {
    name: 'PUBLISH 5.0 empty topic with topic alias',
    version: 5,
    packet: {
      type: 'publish',
      topic: '',
      payload: u8(),
      qos: 0,
      retain: false,
      dup: false,
      properties: { topicAlias: 5 },
    },
    hex: '3006 0000 03 230005',
  },
  { name: 'PUBACK', version: 4, packet: { type: 'puback', packetId: 1 }, hex: '4002 0001' },
  { name: 'PUBREC', version: 4, packet: { type: 'pubrec', packetId: 1 }, hex: '5002 0001' },
  { name: 'PUBREL', version: 4, packet: { type: 'pubrel', packetId: 1 }, hex: '6202 0001' },
  { name: 'PUBCOMP 3.1', version: 3, packet: { type: 'pubcomp', packetId: 1 }, hex: '7002 0001' },
  {
    name: 'PUBACK 5.0 success, short form',
    version: 5,
    packet: { type: 'puback', packetId: 2, reasonCode: 0 },
    hex: '4002 0002',
  },
  {
    name: 'PUBREC 5.0 reason code only',
    version: 5,
    packet: { type: 'pubrec', packetId: 3, reasonCode: 0x10 },
    hex: '5003 0003 10',
  },
  {
    name: 'PUBREL 5.0 with reason string',
    version: 5,
    packet: { type: 'pubrel', packetId: 4, reasonCode: 0x92, properties: { reasonString: 'no' } },
    hex: '6209 0004 92 05 1f00026e6f',
  },
  {
    name: 'PUBCOMP 5.0 with user property',
    version: 5,
    packet: { type: 'pubcomp', packetId: 5, reasonCode: 0, properties: { userProperties: [['k', 'v']] } },
    hex: '700b 0005 00 07 2600016b000176',
  },
  {
    name: 'SUBSCRIBE two filters',
    version: 4,
    packet: {
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: 'a/+', qos: 1 },
        { topicFilter: '#', qos: 0 },
      ],
    },
    hex: '820c 0001 0003612f2b 01 000123 00',
  },
  {
    name: 'SUBSCRIBE 5.0 with options and subscription identifier',
    version: 5,
    packet: {
      type: 'subscribe',
      packetId: 2,
      properties: { subscriptionIdentifier: 7 },
      subscriptions: [
        { topicFilter: 'x', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2 },
      ],
    },
    hex: '8209 0002 02 0b07 000178 2e',
  },
  {
    name: 'SUBACK',
    version: 4,
    packet: { type: 'suback', packetId: 1, reasonCodes: [1, 0x80] },
    hex: '9004 0001 01 80',
  },
  {
    name: 'SUBACK 5.0',
    version: 5,
    packet: { type: 'suback', packetId: 2, reasonCodes: [0, 0xa2] },
    hex: '9005 0002 00 00 a2',
  },
  {
    name: 'UNSUBSCRIBE',
    version: 4,
    packet: { type: 'unsubscribe', packetId: 3, topicFilters: ['a', 'b/#'] },
    hex: 'a20a 0003 000161 0003622f23',
  },
  {
    name: 'UNSUBSCRIBE 5.0 with user property',
    version: 5,
    packet: {
      type: 'unsubscribe',
      packetId: 4,
      topicFilters: ['a'],
      properties: { userProperties: [['k', 'v']] },
    },
    hex: 'a20d 0004 07 2600016b000176 000161',
  },
  {
    name: 'UNSUBACK',
    version: 4,
    packet: { type: 'unsuback', packetId: 5, reasonCodes: [] },
    hex: 'b002 0005',
  },
  {
    name: 'UNSUBACK 5.0',
    version: 5,
    packet: { type: 'unsuback', packetId: 6, reasonCodes: [0, 0x11] },
    hex: 'b005 0006 00 00 11',
  },
  { name: 'PINGREQ', version: 4, packet: { type: 'pingreq' }, hex: 'c000' },
  { name: 'PINGRESP', version: 5, packet: { type: 'pingresp' }, hex: 'd000' },
  { name: 'DISCONNECT', version: 4, packet: { type: 'disconnect' }, hex: 'e000' },
  {
    name: 'DISCONNECT 5.0 normal, short form',
    version: 5,
    packet: { type: 'disconnect', reasonCode: 0 },
    hex: 'e000',
  },
  {
    name: 'DISCONNECT 5.0 reason code only',
    version: 5,
    packet: { type: 'disconnect', reasonCode: 0x8e },
    hex: 'e001 8e',
  },
  {
    name: 'DISCONNECT 5.0 with will and session expiry',
    version: 5,
    packet: { type: 'disconnect', reasonCode: 0x04, properties: { sessionExpiryInterval: 0 } },
    hex: 'e007 04 05 1100000000',
  },
  {
    name: 'AUTH 5.0 continue',
    version: 5,
    packet: {
      type: 'auth',
      reasonCode: 0x18,
      properties: { authenticationMethod: 'SCRAM', authenticationData: u8(1, 2) },
    },
    hex: 'f00f 18 0d 15000553435241 4d 1600020102',
  },
];
