import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { type ClusterNode, connect, endClient, startNode } from './cluster-helpers.js';

describe.runIf(hasSystemPeer('redis-server'))('two broker nodes sharing one Redis', () => {
  let server: RedisHandle;
  const nodes: ClusterNode[] = [];
  const clients: MqttClient[] = [];

  /** Each test is its own cluster: its own key prefix on the shared server. */
  async function cluster(prefix: string): Promise<[ClusterNode, ClusterNode]> {
    const a = await startNode(server.url, prefix, `${prefix}a`);
    const b = await startNode(server.url, prefix, `${prefix}b`);
    nodes.push(a, b);
    return [a, b];
  }

  async function client(port: number, options: Parameters<typeof connect>[1]) {
    const connected = await connect(port, options);
    clients.push(connected.client);
    return connected;
  }

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await Promise.all(nodes.map((n) => n.broker.close()));
    await server?.stop();
  });

  it('delivers 1,000 QoS 0/1/2 messages published on node B to a subscriber on node A, each once', async () => {
    const [a, b] = await cluster('load:');
    const { client: sub, got } = await client(a.port, { clientId: 'sub' });
    await sub.subscribeAsync('load/#', { qos: 2 });
    const { client: pub } = await client(b.port, { clientId: 'pub' });
    const total = 1000;
    // Batches keep MQTT.js within the broker's Receive Maximum.
    for (let start = 0; start < total; start += 50) {
      const batch = [];
      for (let i = start; i < start + 50; i++)
        batch.push(pub.publishAsync('load/x', String(i), { qos: (i % 3) as 0 | 1 | 2 }));
      await Promise.all(batch);
    }
    await pub.publishAsync('load/end', 'end', { qos: 2 });
    // The end marker was published last by the same client, so everything else arrived before it.
    await got.until((m) => m.topic === 'load/end', 'the end marker');
    const data = got.messages.filter((m) => m.topic === 'load/x');
    expect(data).toHaveLength(total);
    expect(new Set(data.map((m) => m.payload)).size).toBe(total);
    for (const m of data) expect(m.qos).toBe(Number(m.payload) % 3);
    await endClient(pub);
    await endClient(sub);
  });

  it('delivers a retained message published on node A to a new subscriber on node B', async () => {
    const [a, b] = await cluster('retained:');
    const { client: pub } = await client(a.port, { clientId: 'retainer' });
    await pub.publishAsync('status/door', 'open', { qos: 1, retain: true });
    const { client: sub, got } = await client(b.port, { clientId: 'late' });
    await sub.subscribeAsync('status/+', { qos: 1 });
    await got.until((m) => m.topic === 'status/door', 'the retained message');
    expect(got.messages).toEqual([{ topic: 'status/door', payload: 'open', qos: 1, retain: true }]);
    const { client: exact, got: gotExact } = await client(b.port, { clientId: 'exact' });
    await exact.subscribeAsync('status/door', { qos: 0 });
    await gotExact.until((m) => m.topic === 'status/door', 'the retained message by exact filter');
    await Promise.all([endClient(pub), endClient(sub), endClient(exact)]);
  });

  it('[MQTT-3.1.2-5] resumes a persistent session made on node A on node B with every message queued meanwhile', async () => {
    const [a, b] = await cluster('roam:');
    const session = { clientId: 'roamer', clean: false, properties: { sessionExpiryInterval: 600 } };
    const first = await client(a.port, session);
    expect(first.connack.sessionPresent).toBe(false);
    await first.client.subscribeAsync('queue/#', { qos: 1 });
    const gone = new Promise((resolve) => a.broker.once('clientDisconnect', resolve));
    await endClient(first.client);
    await gone;
    const { client: pub } = await client(b.port, { clientId: 'producer' });
    for (let i = 0; i < 25; i++) await pub.publishAsync('queue/jobs', `job-${i}`, { qos: 1 });
    const second = await client(b.port, session);
    const got = second.got;
    expect(second.connack.sessionPresent).toBe(true);
    await got.until((m) => m.payload === 'job-24', 'the last queued message');
    expect(got.messages.map((m) => m.payload)).toEqual(Array.from({ length: 25 }, (_, i) => `job-${i}`));
    // The session now lives on B: a new message published on A reaches it there, once.
    const { client: pubA } = await client(a.port, { clientId: 'producer-a' });
    await pubA.publishAsync('queue/jobs', 'after-move', { qos: 1 });
    await got.until((m) => m.payload === 'after-move', 'a message routed to the moved session');
    expect(got.messages).toHaveLength(26);
    expect(a.broker.sessions.has('roamer')).toBe(false);
    await Promise.all([endClient(pub), endClient(pubA), endClient(second.client)]);
  });

  it('keeps sessions and retained messages when a node is closed and created again on the same Redis', async () => {
    const prefix = 'restart:';
    const [a, b] = await cluster(prefix);
    const session = { clientId: 'durable', clean: false, properties: { sessionExpiryInterval: 600 } };
    const first = await client(a.port, session);
    await first.client.subscribeAsync('news/#', { qos: 1 });
    await first.client.publishAsync('news/kept', 'retained', { qos: 1, retain: true });
    await endClient(first.client);
    await a.broker.close();
    const again = await startNode(server.url, prefix, `${prefix}a-again`);
    nodes.push(again);
    expect(again.broker.sessions.has('durable')).toBe(true);
    const second = await client(again.port, session);
    expect(second.connack.sessionPresent).toBe(true);
    const got = second.got;
    const { client: pub } = await client(b.port, { clientId: 'newsroom' });
    await pub.publishAsync('news/today', 'fresh', { qos: 1 });
    await got.until((m) => m.payload === 'fresh', 'a message for the restored subscription');
    const { client: reader, got: gotRetained } = await client(again.port, { clientId: 'reader' });
    await reader.subscribeAsync('news/+', { qos: 1 });
    await gotRetained.until((m) => m.topic === 'news/kept', 'the retained message after restart');
    await Promise.all([endClient(second.client), endClient(pub), endClient(reader)]);
  });

  it('[MQTT-3.1.2-8] delivers the will of a client lost on node A to a subscriber on node B', async () => {
    const [a, b] = await cluster('will:');
    const { client: watcher, got } = await client(b.port, { clientId: 'watcher' });
    await watcher.subscribeAsync('alerts/#', { qos: 1 });
    const { client: doomed } = await client(a.port, {
      clientId: 'doomed',
      will: { topic: 'alerts/doomed', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    doomed.stream.destroy();
    await got.until((m) => m.topic === 'alerts/doomed', 'the will');
    expect(got.messages).toEqual([{ topic: 'alerts/doomed', payload: 'gone', qos: 1, retain: false }]);
    await endClient(watcher);
  });

  it('[MQTT-3.1.4-3] disconnects the old connection with 0x8E when the client connects to the other node', async () => {
    const [a, b] = await cluster('takeover:');
    const old = await client(a.port, { clientId: 'mover' });
    const dropped = new Promise<number | undefined>((resolve) =>
      old.client.once('disconnect', (packet) => resolve(packet.reasonCode)),
    );
    const closed = new Promise<void>((resolve) => old.client.once('close', () => resolve()));
    const moved = await client(b.port, { clientId: 'mover' });
    expect(await dropped).toBe(0x8e);
    await closed;
    expect(a.broker.connections.has('mover')).toBe(false);
    expect(b.broker.connections.has('mover')).toBe(true);
    await endClient(moved.client);
  });
});
