import type { Message, StoredOutgoing, StoredWill } from '@mq/broker';
import { describe, expect, it } from 'vitest';
import { RedisBackendError } from '../src/errors.js';
import {
  decodeMessage,
  decodeOutgoing,
  decodeWill,
  encodeMessage,
  encodeOutgoing,
  encodeWill,
} from '../src/records.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

const messages: Array<{ name: string; message: Message }> = [
  { name: 'minimal QoS 0', message: { topic: 't', payload: new Uint8Array(0), qos: 0, retain: false } },
  {
    name: 'binary payload, retained QoS 2 with origin and expiry',
    message: {
      topic: 'a/b/c',
      payload: bytes(0, 255, 1, 254, 0x0d, 0x0a),
      qos: 2,
      retain: true,
      origin: 'client-ü',
      expiresAt: 1_900_000_000_123,
    },
  },
  {
    name: 'every PUBLISH property',
    message: {
      topic: 'props',
      payload: bytes(1),
      qos: 1,
      retain: false,
      properties: {
        payloadFormatIndicator: 1,
        messageExpiryInterval: 300,
        contentType: 'application/json',
        responseTopic: 'reply/to',
        correlationData: bytes(9, 8, 7),
        subscriptionIdentifiers: [1, 268_435_455],
        topicAlias: 3,
        userProperties: [
          ['b', '1'],
          ['a', '2'],
          ['b', '3'],
        ],
      },
    },
  },
  {
    name: 'large payload',
    message: { topic: 'big', payload: new Uint8Array(200_000).fill(0xab), qos: 1, retain: false },
  },
];

describe('message records', () => {
  for (const { name, message } of messages) {
    it(`round-trips ${name}`, () => {
      const { payload, ...rest } = decodeMessage(encodeMessage(message));
      const { payload: sent, ...sentRest } = message;
      expect(rest).toEqual(sentRest);
      // Byte comparison: deep equality over a 200 kB array is needlessly slow.
      expect(Buffer.from(payload).equals(Buffer.from(sent))).toBe(true);
    });
  }

  it('keeps the payload as raw bytes inside the record', () => {
    const record = encodeMessage({
      topic: 't',
      payload: bytes(0xde, 0xad, 0xbe, 0xef),
      qos: 0,
      retain: false,
    });
    expect(record.subarray(-4)).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(record.length).toBeLessThan(12);
  });

  it('refuses an unknown format byte, truncation and trailing bytes with BAD_RECORD', () => {
    const record = encodeMessage(messages[1]!.message);
    const wrongFormat = Buffer.from(record);
    wrongFormat[0] = 9;
    for (const input of [
      wrongFormat,
      record.subarray(0, record.length - 1),
      Buffer.concat([record, bytes(0)]),
    ]) {
      expect(() => decodeMessage(input)).toThrow(RedisBackendError);
      try {
        decodeMessage(input);
      } catch (err) {
        expect((err as RedisBackendError).code).toBe('BAD_RECORD');
      }
    }
  });
});

describe('outgoing and will records', () => {
  const message = messages[2]!.message;
  const entries: StoredOutgoing[] = [
    { seq: 0, state: 'queued', delivery: { message, qos: 1, retain: false } },
    { seq: 2 ** 40, state: 'publish', packetId: 65535, delivery: { message, qos: 2, retain: true } },
    {
      seq: 7,
      state: 'pubrel',
      packetId: 1,
      delivery: { message, qos: 2, retain: false, subscriptionIds: [5, 6] },
    },
  ];
  for (const entry of entries) {
    it(`round-trips an outgoing entry in state ${entry.state}`, () => {
      expect(decodeOutgoing(encodeOutgoing(entry))).toEqual(entry);
    });
  }

  it('round-trips wills with and without an expiry', () => {
    const wills: StoredWill[] = [
      { clientId: 'c1', message, publishAt: 1_800_000_000_000 },
      { clientId: 'c2', message, publishAt: 5, expirySeconds: 60 },
    ];
    for (const will of wills) expect(decodeWill(encodeWill(will))).toEqual(will);
  });
});
