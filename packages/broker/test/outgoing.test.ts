import { decodePacket, encodePacket } from '@mq/codec';
import { describe, expect, it } from 'vitest';
import type { Delivery, Message } from '../src/index.js';
import { encodeDelivery } from '../src/outgoing.js';
import { text } from './harness.js';

const message = (extra: Partial<Message> = {}): Message => ({
  topic: 'plant/line-1/temperature',
  payload: text('21.5'),
  qos: 2,
  retain: true,
  properties: { contentType: 'text/plain', userProperties: [['unit', 'C']] },
  ...extra,
});

describe('encodeDelivery', () => {
  it('shares one buffer among QoS 0 subscribers of the same form', () => {
    const m = message();
    const a = encodeDelivery({ message: m, qos: 0, retain: false }, 5, undefined, false, undefined, 0);
    const b = encodeDelivery({ message: m, qos: 0, retain: false }, 5, undefined, false, undefined, 0);
    expect(b).toBe(a);
    const v4 = encodeDelivery({ message: m, qos: 0, retain: false }, 4, undefined, false, undefined, 0);
    expect(v4).not.toBe(a);
  });

  it('patches packet id and DUP into a shared QoS 1/2 template, byte-identical to a fresh encode', () => {
    const m = message();
    for (const version of [4, 5] as const) {
      for (const [packetId, dup] of [
        [1, false],
        [0x1234, true],
        [65535, false],
      ] as const) {
        const delivery: Delivery = { message: m, qos: 2, retain: true, subscriptionIds: [3, 300] };
        const got = encodeDelivery(delivery, version, packetId, dup, undefined, 0);
        const expected = encodePacket(
          {
            type: 'publish',
            topic: m.topic,
            payload: m.payload,
            qos: 2,
            retain: true,
            dup,
            packetId,
            ...(version === 5 && { properties: { ...m.properties, subscriptionIdentifiers: [3, 300] } }),
          },
          version,
        );
        expect([...got]).toEqual([...expected]);
      }
    }
  });

  it('[MQTT-3.3.2-6] writes the remaining Message Expiry Interval at send time', () => {
    const m = message({ expiresAt: 100_000 });
    const bytes = encodeDelivery({ message: m, qos: 1, retain: false }, 5, 9, false, undefined, 40_500);
    const packet = decodePacket(bytes, { protocolVersion: 5 });
    expect(packet).toMatchObject({ type: 'publish', packetId: 9, properties: { messageExpiryInterval: 60 } });
  });

  it('[MQTT-3.3.2-11] sends an empty topic with an established alias', () => {
    const bytes = encodeDelivery(
      { message: message(), qos: 0, retain: false },
      5,
      undefined,
      false,
      { alias: 3, sendTopic: false },
      0,
    );
    expect(decodePacket(bytes, { protocolVersion: 5 })).toMatchObject({
      topic: '',
      properties: { topicAlias: 3 },
    });
  });
});
