import type { PublishPacket } from '@mq/codec';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { endClient, mqttConnect, RawClient, type Started, startBroker, str, text, until } from './harness.js';

let started: Started | undefined;
const clients: RawClient[] = [];
const mqttClients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end()));
  await Promise.all(mqttClients.splice(0).map((c) => endClient(c, true)));
  await started?.close();
  started = undefined;
});

const CLIENTS = 1000;
const PER_CLIENT = 5;
const BROADCASTS = 3;

/**
 * Collects the PUBLISH packets a client gets, acknowledging each, until `count` have arrived and
 * `pubacks` acknowledgements of its own publishes have come back.
 */
async function receive(
  client: RawClient,
  count: number,
  pubacks: number,
  ms: number,
): Promise<PublishPacket[]> {
  const got: PublishPacket[] = [];
  let acked = 0;
  while (got.length < count || acked < pubacks) {
    const p = await client.nextPacket(ms);
    if (p.type === 'puback') acked++;
    if (p.type !== 'publish') continue;
    got.push(p);
    client.send({ type: 'puback', packetId: p.packetId! });
  }
  return got;
}

describe('load', () => {
  it(`${CLIENTS} concurrent clients exchange QoS 1 messages with none lost or duplicated`, async () => {
    started = await startBroker({ limits: { maxInflight: 100 } });
    const port = started.port;
    // Connect in batches so the accept queue is not overrun on a small machine.
    for (let i = 0; i < CLIENTS; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, CLIENTS - i) }, (_, j) =>
          RawClient.connect(port, { clientId: `load-${i + j}`, protocolVersion: (i + j) % 2 === 0 ? 4 : 5 }),
        ),
      );
      for (const { client, connack } of batch) {
        expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
        clients.push(client);
      }
    }
    expect(started.broker.stats.clientsConnected).toBe(CLIENTS);
    await Promise.all(
      clients.map(async (client, i) => {
        client.send({
          type: 'subscribe',
          packetId: 1,
          subscriptions: [
            { topicFilter: `load/${i}`, qos: 1 },
            { topicFilter: 'load/all', qos: 1 },
          ],
        });
        expect(await client.nextPacket(30_000)).toMatchObject({ type: 'suback', reasonCodes: [1, 1] });
      }),
    );
    const expected = PER_CLIENT + BROADCASTS;
    const receiving = clients.map((client, i) =>
      receive(client, expected, PER_CLIENT + (i < BROADCASTS ? 1 : 0), 60_000),
    );
    // Every client sends PER_CLIENT messages to its neighbour; three clients also broadcast.
    const acked = clients.map(async (client, i) => {
      const target = (i + 1) % CLIENTS;
      for (let n = 0; n < PER_CLIENT; n++) {
        client.send({
          type: 'publish',
          topic: `load/${target}`,
          payload: text(`${i}:${n}`),
          qos: 1,
          packetId: 100 + n,
          retain: false,
          dup: false,
        });
      }
      if (i < BROADCASTS) {
        client.send({
          type: 'publish',
          topic: 'load/all',
          payload: text(`all:${i}`),
          qos: 1,
          packetId: 200,
          retain: false,
          dup: false,
        });
      }
    });
    await Promise.all(acked);
    const results = await Promise.all(receiving);
    results.forEach((got, i) => {
      const from = (i + CLIENTS - 1) % CLIENTS;
      const direct = got.filter((p) => p.topic === `load/${i}`).map((p) => str(p.payload));
      const broadcast = got.filter((p) => p.topic === 'load/all').map((p) => str(p.payload));
      expect(direct).toEqual(Array.from({ length: PER_CLIENT }, (_, n) => `${from}:${n}`));
      expect(broadcast.sort()).toEqual(Array.from({ length: BROADCASTS }, (_, n) => `all:${n}`));
    });
    // Nothing further (no duplicates) arrives.
    const extra = await Promise.all(clients.slice(0, 50).map((c) => c.expectNoPacket(200)));
    expect(extra.filter((p) => p?.type === 'publish')).toEqual([]);
  }, 120_000);

  it(`${CLIENTS} concurrent MQTT.js clients exchange QoS 1 messages with none lost or duplicated`, async () => {
    started = await startBroker();
    const port = started.port;
    const received: string[][] = Array.from({ length: CLIENTS }, () => []);
    for (let i = 0; i < CLIENTS; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, CLIENTS - i) }, (_, j) =>
          mqttConnect(port, { clientId: `js-${i + j}`, protocolVersion: (i + j) % 2 === 0 ? 4 : 5 }),
        ),
      );
      batch.forEach((client, j) => {
        client.on('message', (_topic, payload) => received[i + j]!.push(payload.toString()));
        mqttClients.push(client);
      });
    }
    await Promise.all(mqttClients.map((client, i) => client.subscribeAsync(`js/${i}`, { qos: 1 })));
    await Promise.all(
      mqttClients.map(async (client, i) => {
        for (let n = 0; n < 3; n++)
          await client.publishAsync(`js/${(i + 1) % CLIENTS}`, `${i}:${n}`, { qos: 1 });
      }),
    );
    await until(() => received.every((r) => r.length >= 3), 60_000);
    received.forEach((got, i) => {
      const from = (i + CLIENTS - 1) % CLIENTS;
      expect(got).toEqual([0, 1, 2].map((n) => `${from}:${n}`));
    });
    // The broker sent each message exactly once: no duplicates on the way.
    expect(started.broker.stats.publishSent).toBe(CLIENTS * 3);
  }, 120_000);
});
