import { persistenceContract } from '@mq/broker';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/mosquitto.js';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { RedisPersistence } from '../src/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe.runIf(hasSystemPeer('redis-server'))('RedisPersistence against redis-server', () => {
  let server: RedisHandle;
  let admin: Redis;
  const opened: RedisPersistence[] = [];
  let prefixes = 0;

  /** A fresh keyspace per test: a unique prefix on the shared server. */
  function open(prefix = `t${++prefixes}:`, extra: { retainedLogLength?: number } = {}): RedisPersistence {
    const persistence = new RedisPersistence({ redis: server.url, prefix, ...extra });
    opened.push(persistence);
    return persistence;
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    await Promise.all(opened.map((p) => p.close()));
    await admin?.quit();
    await server?.stop();
  });

  describe('persistence contract', () => {
    for (const c of persistenceContract) {
      it(c.name, () => c.run(open()));
    }
  });

  it('writes every key under the prefix and payloads as raw bytes', async () => {
    // Tests in this file run one after another: an empty server shows exactly what this instance writes.
    await admin.flushdb();
    const p = open('custom-prefix:');
    const payload = Uint8Array.of(0, 255, 128, 10);
    await p.saveSession({ clientId: 'c', protocolVersion: 5, expiryInterval: 60, subscriptions: [] });
    await p.addSubscription('c', { topicFilter: 'x/#', qos: 1 });
    await p.putOutgoing('c', {
      seq: 1,
      state: 'queued',
      delivery: { message: { topic: 'x/1', payload, qos: 1, retain: false }, qos: 1, retain: false },
    });
    await p.addIncomingQos2('c', 9);
    await p.putRetained({ topic: 'r', payload, qos: 0, retain: true });
    await p.putWill({ clientId: 'c', message: { topic: 'w', payload, qos: 0, retain: false }, publishAt: 1 });
    const keys = await admin.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith('custom-prefix:')).toBe(true);
    const stored = await admin.hgetBuffer('custom-prefix:retained', 'r');
    expect(stored?.subarray(-4)).toEqual(Buffer.from(payload));
    await p.deleteSession('c');
    expect(await admin.exists('custom-prefix:session:c:out', 'custom-prefix:session:c:subs')).toBe(0);
  });

  it('sees retained changes made through another instance (another node) in wildcard lookups', async () => {
    const a = open('shared-retained:');
    const b = open('shared-retained:');
    expect(await b.matchRetained('s/#')).toEqual([]);
    await a.putRetained({ topic: 's/1', payload: bytes('one'), qos: 1, retain: true });
    await a.putRetained({ topic: 's/2', payload: bytes('two'), qos: 0, retain: true });
    expect((await b.matchRetained('s/+')).map((m) => text(m.payload)).sort()).toEqual(['one', 'two']);
    await a.putRetained({ topic: 's/1', payload: new Uint8Array(0), qos: 0, retain: true });
    await a.putRetained({ topic: 's/2', payload: bytes('two again'), qos: 0, retain: true });
    expect((await b.matchRetained('s/#')).map((m) => text(m.payload))).toEqual(['two again']);
    expect(await b.countRetained()).toBe(1);
  });

  it('reloads its topic cache when the change log was trimmed past its position', async () => {
    const a = open('trimmed:', { retainedLogLength: 1 });
    const b = open('trimmed:', { retainedLogLength: 1 });
    await a.putRetained({ topic: 'k/0', payload: bytes('0'), qos: 0, retain: true });
    expect(await b.matchRetained('k/#')).toHaveLength(1);
    for (let i = 1; i <= 300; i++)
      await a.putRetained({ topic: `k/${i}`, payload: bytes(String(i)), qos: 0, retain: true });
    // The capped log no longer holds b's position, so b reloads every topic.
    expect(await admin.xlen('trimmed:retained:log')).toBeLessThan(300);
    expect(await b.matchRetained('k/#')).toHaveLength(301);
  });

  it('reloads its topic cache after Redis lost everything, even when the change counter lands on the cached value', async () => {
    const a = open('emptied:');
    const b = open('emptied:');
    await a.putRetained({ topic: 'r/x', payload: bytes('x'), qos: 0, retain: true });
    expect((await b.matchRetained('r/#')).map((m) => text(m.payload))).toEqual(['x']);
    // What a restart of Redis without persistence does to this keyspace: counter and log start again.
    for (const key of await admin.keys('emptied:*')) await admin.del(key);
    await a.putRetained({ topic: 'r/y', payload: bytes('y'), qos: 0, retain: true });
    expect((await b.matchRetained('r/#')).map((m) => text(m.payload))).toEqual(['y']);
  });

  it('answers concurrent wildcard lookups consistently', async () => {
    const p = open();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        p.putRetained({ topic: `c/${i}`, payload: bytes('x'), qos: 0, retain: true }),
      ),
    );
    const results = await Promise.all(Array.from({ length: 5 }, () => p.matchRetained('c/+')));
    for (const r of results) expect(r).toHaveLength(20);
  });

  it('restores only sessions and wills that no live cluster node holds, and takes those over', async () => {
    const prefix = 'owners:';
    const live = open(prefix);
    await live.joinCluster('node-live');
    const restarting = open(prefix);
    await restarting.joinCluster('node-new');
    const session = (clientId: string) => ({
      clientId,
      protocolVersion: 5 as const,
      expiryInterval: 60,
      subscriptions: [],
    });
    const will = (clientId: string) => ({
      clientId,
      message: { topic: 'w', payload: bytes('bye'), qos: 0 as const, retain: false },
      publishAt: 1,
    });
    for (const id of ['held', 'orphan', 'free']) {
      await live.saveSession(session(id));
      await live.putWill(will(id));
    }
    await live.setOwner('held');
    // 'orphan' belongs to a node whose heartbeat has lapsed.
    await admin.hset(`${prefix}owners`, 'orphan', 'node-dead');
    expect((await restarting.listSessions()).map((s) => s.clientId).sort()).toEqual(['free', 'orphan']);
    expect((await restarting.listWills()).map((w) => w.clientId).sort()).toEqual(['free', 'orphan']);
    expect(await restarting.liveOwner('orphan')).toBe('node-new');
    expect(await restarting.liveOwner('held')).toBe('node-live');
    await live.close();
    expect(await restarting.liveOwner('held')).toBeUndefined();
  });

  it('reports a failed write to onError instead of rejecting, and rejects a failed read', async () => {
    const errors: Error[] = [];
    const port = await freePort();
    const p = new RedisPersistence({
      redis: { host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0 },
      onError: (e) => errors.push(e),
    });
    opened.push(p);
    await expect(
      p.putWill({
        clientId: 'c',
        message: { topic: 'w', payload: bytes('x'), qos: 0, retain: false },
        publishAt: 1,
      }),
    ).resolves.toBeUndefined();
    await expect(p.deleteSession('c')).resolves.toBeUndefined();
    await expect(p.listWills()).rejects.toThrow();
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it('leaves a caller-provided client open on close()', async () => {
    const client = new Redis(server.url);
    const p = new RedisPersistence({ redis: client, prefix: 'own:' });
    await p.saveSession({ clientId: 'c', protocolVersion: 4, expiryInterval: 1, subscriptions: [] });
    await p.close();
    await p.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
