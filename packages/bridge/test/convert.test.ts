import type { Message as RemoteMessage } from '@mq/client';
import { describe, expect, it } from 'vitest';
import { toLocalMessage, toRemotePublish } from '../src/convert.js';

const payload = new Uint8Array([1, 2]);

describe('toRemotePublish', () => {
  it('[MQTT-3.3.2-6] sends the remaining expiry and keeps the other v5 properties', () => {
    const options = toRemotePublish(
      {
        topic: 't',
        payload,
        qos: 2,
        retain: true,
        expiresAt: 10_500,
        properties: { contentType: 'a/b', userProperties: [['k', 'v']], topicAlias: 3 },
      },
      1,
      5,
      1_000,
    );
    expect(options).toEqual({
      qos: 1,
      retain: true,
      properties: { contentType: 'a/b', userProperties: [['k', 'v']], messageExpiryInterval: 10 },
    });
  });

  it('drops an expired message and sends no properties over 3.1.1', () => {
    expect(toRemotePublish({ topic: 't', payload, qos: 1, retain: false, expiresAt: 1000 }, 2, 5, 1000)).toBe(
      undefined,
    );
    expect(
      toRemotePublish(
        { topic: 't', payload, qos: 1, retain: false, properties: { contentType: 'x' } },
        2,
        4,
        0,
      ),
    ).toEqual({ qos: 1, retain: false });
  });
});

describe('toLocalMessage', () => {
  it('turns the expiry into a deadline and drops per-hop properties', () => {
    const remote: RemoteMessage = {
      topic: 'r/t',
      payload,
      qos: 1,
      retain: true,
      dup: false,
      properties: {
        messageExpiryInterval: 5,
        subscriptionIdentifiers: [2],
        topicAlias: 1,
        responseTopic: 'r',
      },
      text: () => '',
      ack: () => {},
    };
    expect(toLocalMessage(remote, 'l/t', 1000)).toEqual({
      topic: 'l/t',
      payload,
      qos: 1,
      retain: true,
      expiresAt: 6000,
      properties: { responseTopic: 'r' },
    });
  });
});
