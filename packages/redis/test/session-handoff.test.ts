import { createBroker, deny } from '@mq/broker';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { RedisPersistence, RedisRouteBus } from '../src/index.js';
import { type ClusterNode, connect, endClient, startNode } from './cluster-helpers.js';
import { RawClient } from './raw-client.js';

describe.runIf(hasSystemPeer('redis-server'))('session hand-off between nodes', () => {
  let server: RedisHandle;
  let admin: Redis;
  const nodes: ClusterNode[] = [];
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];

  async function node(prefix: string, nodeId: string, extra: Parameters<typeof startNode>[3] = {}) {
    const started = await startNode(server.url, prefix, nodeId, extra);
    nodes.push(started);
    return started;
  }

  async function client(port: number, options: Parameters<typeof connect>[1]) {
    const connected = await connect(port, options);
    clients.push(connected.client);
    return connected;
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    for (const r of raws) r.destroy();
    await Promise.all(nodes.map((n) => n.broker.close()));
    await admin?.quit();
    await server?.stop();
  });

  it('[MQTT-3.1.2-4] discards the session held by another node when the client connects with Clean Start', async () => {
    const a = await node('clean:', 'a');
    const b = await node('clean:', 'b');
    const persistent = { clientId: 'fresh', clean: false, properties: { sessionExpiryInterval: 600 } };
    const first = await client(a.port, persistent);
    await first.client.subscribeAsync('old/#', { qos: 1 });
    const gone = new Promise((resolve) => a.broker.once('clientDisconnect', resolve));
    await endClient(first.client);
    await gone;
    const second = await client(b.port, { clientId: 'fresh', clean: true });
    expect(second.connack.sessionPresent).toBe(false);
    expect(a.broker.sessions.has('fresh')).toBe(false);
    expect(a.broker.router.index.size).toBe(0);
    expect(await b.persistence.getSession('fresh')).toBeUndefined();
    await endClient(second.client);
  });

  it('goes on after the timeout when the node holding the session does not answer', async () => {
    const prefix = 'silent:';
    const b = await node(prefix, 'b', { handoffTimeoutMs: 200 });
    await b.persistence.saveSession({
      clientId: 'stranded',
      protocolVersion: 5,
      expiryInterval: 600,
      disconnectedAt: Date.now(),
      subscriptions: [{ topicFilter: 'x/#', qos: 1 }],
    });
    // A node that looks alive (its heartbeat key has not lapsed yet) but is gone.
    await admin.set(`${prefix}node:ghost`, '1', 'PX', 60_000);
    await admin.hset(`${prefix}owners`, 'stranded', 'ghost');
    const resumed = await client(b.port, {
      clientId: 'stranded',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    expect(resumed.connack.sessionPresent).toBe(true);
    expect(b.broker.sessions.get('stranded')?.subscriptions.has('x/#')).toBe(true);
    expect(await b.persistence.liveOwner('stranded')).toBe('b');
    await endClient(resumed.client);
  });

  it('replays to the session, once, what was routed while it was being handed over', async () => {
    const prefix = 'window:';
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b', { handoffTimeoutMs: 1500 });
    await b.persistence.saveSession({
      clientId: 'in-transit',
      protocolVersion: 5,
      expiryInterval: 600,
      disconnectedAt: Date.now(),
      subscriptions: [{ topicFilter: 'w/#', qos: 1 }],
    });
    // Held by a node that looks alive but never answers, so the hand-off waits out its timeout.
    await admin.set(`${prefix}node:ghost`, '1', 'PX', 60_000);
    await admin.hset(`${prefix}owners`, 'in-transit', 'ghost');
    const watcher = new Redis(server.url);
    await watcher.subscribe(`${prefix}bus:claims`);
    const releaseSent = new Promise<void>((resolve) => watcher.once('messageBuffer', () => resolve()));
    const resuming = client(b.port, {
      clientId: 'in-transit',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    await releaseSent;
    // Published after the Release frame, while no node holds the session.
    const { client: pub } = await client(a.port, { clientId: 'window-pub' });
    for (let i = 0; i < 3; i++) await pub.publishAsync('w/x', `during-${i}`, { qos: 1 });
    const resumed = await resuming;
    expect(resumed.connack.sessionPresent).toBe(true);
    await pub.publishAsync('w/x', 'after', { qos: 1 });
    await resumed.got.until((m) => m.payload === 'after', 'the message published after the hand-off');
    expect(resumed.got.messages.map((m) => m.payload)).toEqual(['during-0', 'during-1', 'during-2', 'after']);
    await watcher.quit();
    await Promise.all([endClient(pub), endClient(resumed.client)]);
  });

  it('moves a session while messages for it keep flowing, losing and duplicating none', async () => {
    const prefix = 'flowing:';
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    const session = { clientId: 'busy', clean: false, properties: { sessionExpiryInterval: 600 } };
    const first = await client(a.port, session);
    await first.client.subscribeAsync('flow/#', { qos: 1 });
    const gone = new Promise((resolve) => a.broker.once('clientDisconnect', resolve));
    await endClient(first.client);
    await gone;
    const { client: pub } = await client(a.port, { clientId: 'flow-pub' });
    let sent = 0;
    let stop = false;
    const publishing = (async () => {
      while (!stop) await pub.publishAsync('flow/n', String(sent++), { qos: 1 });
      await pub.publishAsync('flow/n', 'end', { qos: 1 });
    })();
    const moved = await client(b.port, session);
    expect(moved.connack.sessionPresent).toBe(true);
    const atMove = sent;
    await moved.got.until((m) => Number(m.payload) >= atMove + 10, 'messages published after the move');
    stop = true;
    await publishing;
    await moved.got.until((m) => m.payload === 'end', 'the end marker');
    const payloads = moved.got.messages.map((m) => m.payload);
    expect(payloads).toEqual([...Array.from({ length: sent }, (_, i) => String(i)), 'end']);
    await Promise.all([endClient(pub), endClient(moved.client)]);
  });

  it('[MQTT-3.1.4-3] takes over a session live on node A from node B: A closes with 0x8E, B sends what A had queued', async () => {
    const prefix = 'live:';
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    const session = { clientId: 'roamer', clean: false, properties: { sessionExpiryInterval: 600 } };
    // Never acknowledges and takes one message at a time: one QoS 1 message in flight, the rest queued on A.
    const old = await RawClient.open(a.port);
    raws.push(old);
    old.send({
      type: 'connect',
      protocolVersion: 5,
      protocolName: 'MQTT',
      clientId: 'roamer',
      cleanStart: false,
      keepAlive: 60,
      properties: { sessionExpiryInterval: 600, receiveMaximum: 1 },
    });
    await old.until((p) => p.type === 'connack', 'the CONNACK on node A');
    old.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'jobs/#', qos: 1 }] });
    await old.until((p) => p.type === 'suback', 'the SUBACK on node A');
    const { client: watch, got: watched } = await client(a.port, { clientId: 'watcher-a' });
    await watch.subscribeAsync('jobs/#', { qos: 1 });
    const { client: pub } = await client(b.port, { clientId: 'jobs-pub' });
    for (let i = 0; i < 5; i++) await pub.publishAsync('jobs/x', `job-${i}`, { qos: 1 });
    // Node A has routed all five once its other subscriber has the last.
    await watched.until((m) => m.payload === 'job-4', 'the last job on node A');
    expect(a.broker.sessions.get('roamer')?.target).toBeDefined();
    const moved = await client(b.port, session);
    expect(moved.connack.sessionPresent).toBe(true);
    expect(await old.until((p) => p.type === 'disconnect', 'DISCONNECT on node A')).toMatchObject({
      reasonCode: 0x8e,
    });
    await old.closed;
    // Node A had sent one, unacknowledged, and queued the others.
    expect(old.packets.filter((p) => p.type === 'publish')).toHaveLength(1);
    await moved.got.until((m) => m.payload === 'job-4', 'the last queued job on node B');
    expect(moved.got.messages.map((m) => m.payload)).toEqual(Array.from({ length: 5 }, (_, i) => `job-${i}`));
    expect(moved.got.messages.every((m) => m.qos === 1)).toBe(true);
    expect(a.broker.sessions.has('roamer')).toBe(false);
    expect(a.broker.connections.has('roamer')).toBe(false);
    expect(await b.persistence.liveOwner('roamer')).toBe('b');
    await Promise.all([endClient(pub), endClient(watch), endClient(moved.client)]);
  });

  it('lets a second CONNECT during a hand-off wait for it, then take the first over', async () => {
    const prefix = 'twice:';
    const b = await node(prefix, 'b', { handoffTimeoutMs: 300 });
    await b.persistence.saveSession({
      clientId: 'twin',
      protocolVersion: 5,
      expiryInterval: 600,
      disconnectedAt: Date.now(),
      subscriptions: [{ topicFilter: 't/#', qos: 1 }],
    });
    await admin.set(`${prefix}node:ghost`, '1', 'PX', 60_000);
    await admin.hset(`${prefix}owners`, 'twin', 'ghost');
    const options = { clientId: 'twin', clean: false, properties: { sessionExpiryInterval: 600 } };
    const pair = await Promise.all([client(b.port, options), client(b.port, options)]);
    for (const c of pair) expect(c.connack.sessionPresent).toBe(true);
    // Whichever the broker attached first is taken over by the other, which keeps the session.
    const closedOne = await Promise.race(
      pair.map(
        (c) => new Promise<(typeof pair)[number]>((resolve) => c.client.once('close', () => resolve(c))),
      ),
    );
    const survivor = pair.find((c) => c !== closedOne)!;
    expect(survivor.client.connected).toBe(true);
    expect(b.broker.connections.size).toBe(1);
    expect(b.broker.sessions.get('twin')?.subscriptions.has('t/#')).toBe(true);
    await endClient(survivor.client);
  });

  it('keeps the user authenticate hook in front: a refused client takes nothing over', async () => {
    const prefix = 'auth:';
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b', {
      auth: { authenticate: (ctx) => (ctx.username === 'intruder' ? deny(0x86) : true) },
    });
    const owner = await client(a.port, { clientId: 'guarded' });
    const refused = await connect(b.port, { clientId: 'guarded', username: 'intruder' }).then(
      () => 'connected',
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/Bad User Name or Password/i);
    expect(a.broker.connections.has('guarded')).toBe(true);
    expect(owner.client.connected).toBe(true);
    await endClient(owner.client);
  });

  it('attaches to one broker only', async () => {
    const persistence = new RedisPersistence({ redis: server.url, prefix: 'once:' });
    const bus = new RedisRouteBus({ redis: server.url, prefix: 'once:' });
    const broker = createBroker({ persistence, routeBus: bus, sys: { enabled: false } });
    bus.attach(broker, persistence);
    expect(() => bus.attach(broker, persistence)).toThrow(/already attached/);
    await broker.close();
  });
});
