import { afterEach, describe, expect, it } from 'vitest';
import { type Broker, createBroker, MemoryPersistence, persistenceContract } from '../src/index.js';
import { RawClient, str, text } from './harness.js';

describe('persistence contract: MemoryPersistence', () => {
  for (const c of persistenceContract) {
    it(c.name, () => c.run(new MemoryPersistence()));
  }
});

describe('restoring from persistence', () => {
  let broker: Broker | undefined;
  afterEach(async () => {
    await broker?.close();
    broker = undefined;
  });

  async function start(persistence: MemoryPersistence): Promise<number> {
    broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }], persistence, sys: { enabled: false } });
    const [address] = await broker.listen();
    return address!.port;
  }

  it('[MQTT-4.1.0-1] [MQTT-3.1.2-23] keeps sessions, subscriptions, queued messages and retained messages across a restart', async () => {
    const persistence = new MemoryPersistence();
    let port = await start(persistence);
    const options = {
      clientId: 'durable',
      protocolVersion: 5 as const,
      cleanStart: false,
      properties: { sessionExpiryInterval: 3600 },
    };
    const first = await RawClient.connect(port, options);
    first.client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: 'd/#', qos: 1 }],
      properties: { subscriptionIdentifier: 5 },
    });
    await first.client.expectPacket('suback');
    await first.client.end();
    const { client: pub } = await RawClient.connect(port, { clientId: 'pub' });
    pub.send({
      type: 'publish',
      topic: 'd/queued',
      payload: text('q'),
      qos: 1,
      packetId: 1,
      retain: false,
      dup: false,
    });
    pub.send({ type: 'publish', topic: 'd/kept', payload: text('r'), qos: 0, retain: true, dup: false });
    await pub.expectPacket('puback');
    await pub.end();
    await broker!.close();

    port = await start(persistence);
    const second = await RawClient.connect(port, options);
    expect(second.connack).toMatchObject({ sessionPresent: true });
    const got = await second.client.expectPacket('publish');
    expect(got).toMatchObject({ topic: 'd/queued', qos: 1 });
    expect(got.properties?.subscriptionIdentifiers).toEqual([5]);
    second.client.send({ type: 'puback', packetId: got.packetId! });
    const { client: late } = await RawClient.connect(port, { clientId: 'late' });
    late.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'd/kept', qos: 0 }] });
    await late.expectPacket('suback');
    expect(str((await late.expectPacket('publish')).payload)).toBe('r');
    await late.end();
    await second.client.end();
  });
});

describe('a failing persistence backend', () => {
  it('logs failed writes instead of crashing, and the broker keeps serving', async () => {
    const failing = new MemoryPersistence();
    failing.putRetained = async () => {
      throw new Error('disk full');
    };
    failing.saveSession = () => {
      throw new Error('sync failure');
    };
    const logged: string[] = [];
    const log = (obj: object | string, msg?: string) => {
      if (typeof obj === 'object' && 'operation' in obj) logged.push(`${msg}:${String(obj.operation)}`);
    };
    const broker = createBroker({
      listeners: [{ type: 'tcp', port: 0 }],
      persistence: failing,
      sys: { enabled: false },
      logger: { debug: () => {}, info: () => {}, warn: () => {}, error: log },
    });
    const [address] = await broker.listen();
    const { client } = await RawClient.connect(address!.port, {
      clientId: 'c',
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 60 },
    });
    client.send({
      type: 'publish',
      topic: 'r',
      payload: text('x'),
      qos: 1,
      packetId: 1,
      retain: true,
      dup: false,
    });
    expect(await client.nextPacket()).toMatchObject({ type: 'puback', packetId: 1 });
    expect(logged.sort()).toEqual([
      'persistence write failed:putRetained',
      'persistence write failed:saveSession',
    ]);
    await client.end();
    await broker.close();
  });
});
