import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, str, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('$SYS topics', () => {
  it('publishes Mosquitto-style $SYS/broker topics as retained messages at the interval', async () => {
    started = await startBroker({ sys: { enabled: true, intervalMs: 100 }, version: 'test-broker 1' });
    const { client } = await RawClient.connect(started.port, { clientId: 'sys' });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: '$SYS/broker/#', qos: 0 }],
    });
    await client.expectPacket('suback');
    const seen = new Map<string, string>();
    while (!seen.has('$SYS/broker/clients/connected') || seen.get('$SYS/broker/clients/connected') !== '1') {
      const p = await client.expectPacket('publish');
      seen.set(p.topic, str(p.payload));
    }
    for (const topic of [
      '$SYS/broker/version',
      '$SYS/broker/uptime',
      '$SYS/broker/messages/received',
      '$SYS/broker/messages/sent',
      '$SYS/broker/bytes/received',
      '$SYS/broker/bytes/sent',
      '$SYS/broker/subscriptions/count',
      '$SYS/broker/retained messages/count',
    ]) {
      expect(seen.has(topic), topic).toBe(true);
    }
    expect(seen.get('$SYS/broker/version')).toBe('test-broker 1');
    expect(seen.get('$SYS/broker/uptime')).toMatch(/^\d+ seconds$/);
    await client.end();
  });

  it("puts a cluster node's topics under $SYS/brokers/<nodeId> so nodes do not overwrite each other", async () => {
    started = await startBroker({ sys: { enabled: true, intervalMs: 100, nodeId: 'node-a' } });
    const { client } = await RawClient.connect(started.port, { clientId: 'sys-node' });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: '$SYS/#', qos: 0 }] });
    await client.expectPacket('suback');
    const seen = new Map<string, string>();
    while (seen.get('$SYS/brokers/node-a/clients/connected') !== '1') {
      const p = await client.expectPacket('publish');
      seen.set(p.topic, str(p.payload));
    }
    expect(seen.has('$SYS/brokers/node-a/version')).toBe(true);
    expect(seen.has('$SYS/brokers/node-a/retained messages/count')).toBe(true);
    expect([...seen.keys()].filter((t) => t.startsWith('$SYS/broker/'))).toEqual([]);
    await client.end();
  });

  it('refuses a sys.nodeId that is not one topic level', async () => {
    const { createBroker } = await import('../src/index.js');
    for (const nodeId of ['', 'a/b', 'a+', '#']) {
      expect(() => createBroker({ sys: { nodeId } }), nodeId).toThrow(/sys.nodeId/);
    }
  });

  it('does not route $SYS messages published by clients', async () => {
    started = await startBroker();
    const { client: watcher } = await RawClient.connect(started.port, { clientId: 'w' });
    watcher.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: '$SYS/#', qos: 0 }] });
    await watcher.expectPacket('suback');
    const { client } = await RawClient.connect(started.port, { clientId: 'fake' });
    client.send({
      type: 'publish',
      topic: '$SYS/broker/version',
      payload: text('fake'),
      qos: 1,
      packetId: 1,
      retain: true,
      dup: false,
    });
    expect(await client.nextPacket()).toEqual({ type: 'puback', packetId: 1 });
    expect(await watcher.expectNoPacket(300)).toBeUndefined();
    await client.end();
    await watcher.end();
  });
});

describe('$SYS under a small maxTopicLevels', () => {
  it('leaves out the $SYS topics deeper than the limit instead of failing', async () => {
    const started = await startBroker({
      limits: { maxTopicLevels: 3 },
      sys: { enabled: true, intervalMs: 60_000 },
    });
    try {
      const { client } = await RawClient.connect(started.port, { clientId: 'shallow' });
      client.send({
        type: 'subscribe',
        packetId: 1,
        subscriptions: [{ topicFilter: '$SYS/broker/+', qos: 0 }],
      });
      await client.expectPacket('suback');
      expect((await client.expectPacket('publish')).topic).toMatch(/^\$SYS\/broker\/[^/]+$/);
      await client.end();
    } finally {
      await started.close();
    }
  });
});
