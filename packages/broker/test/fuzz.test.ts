import { encodePacket } from '@mq/codec';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPacket, RawClient, type Started, startBroker } from './harness.js';

let started: Started;
beforeAll(async () => {
  started = await startBroker({ limits: { maxPacketSize: 4096, connectTimeoutMs: 2000 } });
});
afterAll(async () => {
  await started.close();
});

/** Sends bytes on a fresh connection and waits until the broker closes it or a short quiet period ends. */
async function throwAt(bytes: Uint8Array, afterConnect: 0 | 4 | 5): Promise<void> {
  const client = await RawClient.open(started.port, afterConnect === 5 ? 5 : 4);
  if (afterConnect) {
    client.writeRaw(
      encodePacket(
        connectPacket({ clientId: `fuzz${afterConnect}`, protocolVersion: afterConnect }),
        afterConnect,
      ),
    );
  }
  client.writeRaw(bytes);
  for (;;) {
    const p = await client.expectNoPacket(50);
    if (!p) break;
  }
  await client.end();
}

describe('random input', () => {
  it('never crashes the broker or stops it serving, whatever bytes arrive before or after CONNECT', async () => {
    const errors: Error[] = [];
    started.broker.on('clientError', (_c, err) => errors.push(err));
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.constantFrom(0 as const, 4 as const, 5 as const),
        async (bytes, afterConnect) => {
          await throwAt(bytes, afterConnect);
        },
      ),
      { numRuns: 150 },
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const err of errors) expect(err).toBeInstanceOf(Error);
    const { client, connack } = await RawClient.connect(started.port, { clientId: 'still-alive' });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
    await client.end();
  }, 120_000);

  it('survives random mutations of valid packets', async () => {
    const valid = [
      encodePacket({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a/+/c', qos: 1 }] }, 5),
      encodePacket(
        {
          type: 'publish',
          topic: 'a/b',
          payload: new Uint8Array(8),
          qos: 2,
          packetId: 7,
          retain: true,
          dup: false,
          properties: { topicAlias: 1, userProperties: [['k', 'v']] },
        },
        5,
      ),
      encodePacket({ type: 'unsubscribe', packetId: 2, topicFilters: ['a/#'] }, 5),
      encodePacket({ type: 'disconnect', reasonCode: 0x04, properties: { sessionExpiryInterval: 0 } }, 5),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (packet, flips) => {
          const bytes = Uint8Array.from(packet);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          await throwAt(bytes, 5);
        },
      ),
      { numRuns: 150 },
    );
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'still-alive',
      protocolVersion: 5,
    });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
    await client.end();
  }, 120_000);
});
