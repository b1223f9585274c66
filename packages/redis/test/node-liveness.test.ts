import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { decodeMessageFrame, decodeShareFrame, encodeShareFrame, ShareKind } from '../src/frames.js';
import { RedisRouteBus } from '../src/index.js';
import { NodeLiveness } from '../src/node-liveness.js';
import {
  type ClusterNode,
  type Collector,
  connect,
  connectionIds,
  crash,
  crashableRedis,
  endClient,
  jobs,
  namedRedis,
  startNode,
  waitFor,
} from './cluster-helpers.js';

/** Heartbeats every 100 ms from `at` up to `until`, as this node's own heartbeats come back. */
function beatsUntil(liveness: NodeLiveness, from: number, until: number): void {
  for (let at = from; at <= until; at += 100) liveness.heardSelf(at);
}

describe('NodeLiveness', () => {
  it('counts a node dead once it has been silent for longer than the window, by its own heartbeats', () => {
    const liveness = new NodeLiveness(1000, 100);
    liveness.heard('b', 0);
    liveness.heard('c', 0);
    beatsUntil(liveness, 0, 600);
    liveness.heard('c', 600);
    beatsUntil(liveness, 700, 1000);
    expect(liveness.silent()).toEqual([]);
    expect(liveness.isAlive('b')).toBe(true);
    liveness.heardSelf(1100);
    expect(liveness.silent()).toEqual(['b']);
    expect(liveness.isAlive('b')).toBe(false);
    // Late, but within the window: still alive.
    expect(liveness.isAlive('c')).toBe(true);
    liveness.forget('b');
    expect(liveness.silent()).toEqual([]);
    expect(liveness.isAlive('b')).toBe(false);
  });

  it('judges nobody while its own heartbeats do not come back, and restarts the window after a gap', () => {
    const liveness = new NodeLiveness(1000, 100);
    liveness.heard('b', 0);
    // Before its first own heartbeat, and during a long stall of its own view, nobody is silent.
    expect(liveness.silent()).toEqual([]);
    liveness.heardSelf(0);
    expect(liveness.silent()).toEqual([]);
    // Its own heartbeat back after 5 s (its subscriber connection was cut): b gets the whole window again.
    liveness.heardSelf(5000);
    expect(liveness.silent()).toEqual([]);
    beatsUntil(liveness, 5100, 6000);
    expect(liveness.silent()).toEqual([]);
    liveness.heardSelf(6100);
    expect(liveness.silent()).toEqual(['b']);
    // A shorter gap (late heartbeats) restarts nothing.
    liveness.heard('c', 6100);
    liveness.heardSelf(6800);
    liveness.heardSelf(7200);
    expect(liveness.silent()).toEqual(['b', 'c']);
  });

  it('starts the clock of a node first seen in the group table without overriding a heartbeat', () => {
    const liveness = new NodeLiveness(1000, 100);
    liveness.heard('b', 500);
    liveness.track('b', 0);
    liveness.track('c', 0);
    beatsUntil(liveness, 0, 1100);
    expect(liveness.silent()).toEqual(['c']);
  });
});

const GROUP = '$share/workers/jobs/#';
/** Short windows so the tests wait about a second for a death, not five. */
const liveness = { heartbeatMs: 100, deadAfterMs: 1000, persistenceHeartbeatMs: 100 } as const;

describe('RedisRouteBus liveness options', () => {
  it('refuses a dead-after window shorter than four heartbeats with a RangeError', () => {
    expect(() => new RedisRouteBus({ heartbeatMs: 1000, deadAfterMs: 3999 })).toThrow(RangeError);
    expect(() => new RedisRouteBus({ heartbeatMs: 0 })).toThrow(RangeError);
  });
});

describe.runIf(hasSystemPeer('redis-server'))('dead nodes in a cluster with shared groups', () => {
  let server: RedisHandle;
  let admin: Redis;
  const nodes: ClusterNode[] = [];
  const clients: MqttClient[] = [];
  const redisClients: Redis[] = [];
  const crashErrors: Error[] = [];

  /** A node; 'crashable' ones never reconnect, 'named' ones do (see cluster-helpers). */
  async function node(prefix: string, nodeId: string, redis?: 'crashable' | 'named'): Promise<ClusterNode> {
    const name = `${prefix}${nodeId}`;
    const started = await startNode(server.url, prefix, nodeId, {
      liveness,
      ...(redis === 'named' && { redis: namedRedis(server.url, name) }),
      ...(redis === 'crashable' && {
        redis: crashableRedis(server.url, name),
        // Cut off from Redis, its writes and heartbeats fail until the test ends.
        onError: (err: Error) => crashErrors.push(err),
      }),
    });
    nodes.push(started);
    return started;
  }

  async function client(port: number, clientId: string) {
    const connected = await connect(port, { clientId });
    clients.push(connected.client);
    return connected;
  }

  async function member(port: number, clientId: string) {
    const connected = await client(port, clientId);
    await connected.client.subscribeAsync([GROUP, `flush/${clientId}`], { qos: 1 });
    return connected;
  }

  /** Waits until everything routed before has reached the member (see shared-groups.test.ts). */
  async function flush(pub: MqttClient, id: string, got: Collector) {
    await pub.publishAsync(`flush/${id}`, 'flush', { qos: 1 });
    await got.until((m) => m.topic === `flush/${id}`, `the flush of ${id}`);
  }

  /** A Redis connection watching the bus channels: heartbeats and the route of every message. */
  async function watch(prefix: string) {
    const watcher = new Redis(server.url);
    redisClients.push(watcher);
    const beats = new Map<string, number>();
    const gone: string[] = [];
    const routes = new Map<string, string[]>();
    watcher.on('messageBuffer', (channel: Buffer, data: Buffer) => {
      if (channel.toString() === `${prefix}bus:shares`) {
        const frame = decodeShareFrame(data);
        if (frame.kind === ShareKind.Alive) beats.set(frame.sender, (beats.get(frame.sender) ?? 0) + 1);
        if (frame.kind === ShareKind.Gone) gone.push(frame.sender);
        return;
      }
      const frame = decodeMessageFrame(data);
      const payload = Buffer.from(frame.message().payload).toString();
      routes.set(
        payload,
        frame.route.assignments.map(([, node]) => node),
      );
    });
    await watcher.subscribe(`${prefix}bus:shares`, `${prefix}bus:messages`);
    /** Resolves after `count` more heartbeats of `node` have gone through Redis. */
    const heartbeats = (node: string, count: number) => {
      const target = (beats.get(node) ?? 0) + count;
      return waitFor(() => (beats.get(node) ?? 0) >= target, `${count} heartbeats of ${node}`);
    };
    return { gone, routes, heartbeats };
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await Promise.all(nodes.map((n) => n.broker.close()));
    await Promise.all(redisClients.map((r) => r.quit()));
    await admin?.quit();
    await server?.stop();
  });

  it('drops a crashed node from routing and from the shares set, and then no QoS 1 message is lost', async () => {
    const a = await node('crash:', 'a');
    const b = await node('crash:', 'b', 'crashable');
    const c = await node('crash:', 'c');
    const onA = await member(a.port, 'worker-a');
    await member(b.port, 'worker-b');
    await waitFor(
      () => a.bus.hasGroupMembers('b', GROUP) && c.bus.hasGroupMembers('b', GROUP),
      'nodes A and C to know the member on B',
    );
    expect(a.bus.isNodeAlive('b')).toBe(true);
    const { gone } = await watch('crash:');

    await crash(admin, b, 'crash:b');
    // Past the window every node has stopped routing to B, and B's entries left Redis with one notice.
    await waitFor(
      () => !a.bus.hasGroupMembers('b', GROUP) && !c.bus.hasGroupMembers('b', GROUP),
      'nodes A and C to drop the crashed node B',
      30_000,
    );
    expect(a.bus.isNodeAlive('b')).toBe(false);
    expect(c.bus.isNodeAlive('b')).toBe(false);
    expect(await admin.smembers('crash:shares')).toEqual([`a\u0000${GROUP}`]);
    expect(await admin.exists('crash:node:b')).toBe(0);
    expect(gone).toContain('b');

    const { client: pubA } = await client(a.port, 'pub-a');
    const { client: pubC } = await client(c.port, 'pub-c');
    const total = 40;
    for (let i = 0; i < total; i++)
      await (i % 2 ? pubC : pubA).publishAsync('jobs/x', `job-${i}`, { qos: 1 });
    await waitFor(() => jobs(onA.got).length >= total, 'every message on the member on A');
    await flush(pubA, 'worker-a', onA.got);
    expect(jobs(onA.got).sort()).toEqual(Array.from({ length: total }, (_, i) => `job-${i}`).sort());
    expect(onA.got.messages.every((m) => m.qos === 1)).toBe(true);
    expect(crashErrors.length).toBeGreaterThan(0);
    await Promise.all([pubA, pubC, onA.client].map((c) => endClient(c)));
  }, 60_000);

  it('keeps a slow node that beats late within the window, skips a silent one, and removes it only once its key has lapsed', async () => {
    const a = await node('slow:', 'a');
    const onA = await member(a.port, 'worker-a');
    const { gone, routes, heartbeats } = await watch('slow:');
    // Node S is played by the test: it announces a member and beats as a node does.
    const beatS = () =>
      admin
        .multi()
        .set('slow:node:s', '1', 'PX', liveness.deadAfterMs)
        .publish('slow:bus:shares', encodeShareFrame({ kind: ShareKind.Alive, sender: 's', group: '' }))
        .exec();
    await admin
      .multi()
      .sadd('slow:shares', `s\u0000${GROUP}`)
      .publish('slow:bus:shares', encodeShareFrame({ kind: ShareKind.Joined, sender: 's', group: GROUP }))
      .exec();
    await beatS();
    await waitFor(() => a.bus.hasGroupMembers('s', GROUP), 'node A to learn of the member on S');
    const { client: pub } = await client(a.port, 'pub');
    let sent = 0;
    /** Publishes two messages and resolves with the nodes their frames picked for the group. */
    const routeTwo = async () => {
      const payloads = [`job-${sent++}`, `job-${sent++}`];
      for (const p of payloads) await pub.publishAsync('jobs/x', p, { qos: 1 });
      await waitFor(() => payloads.every((p) => routes.has(p)), 'the frames of both messages');
      return payloads.flatMap((p) => routes.get(p) ?? []).sort();
    };

    // S beats only every three or four of A's heartbeats: late, but well within the window.
    for (let round = 0; round < 3; round++) {
      await heartbeats('a', 3);
      expect(await routeTwo()).toEqual(['a', 's']);
      await beatS();
    }
    expect(a.bus.isNodeAlive('s')).toBe(true);
    expect((await admin.smembers('slow:shares')).sort()).toEqual([`a\u0000${GROUP}`, `s\u0000${GROUP}`]);

    // S falls silent while its liveness key stays (as if it were refreshed by a stuck process).
    await admin.set('slow:node:s', '1');
    await waitFor(() => !a.bus.isNodeAlive('s'), 'node A to find S silent', 30_000);
    expect(await routeTwo()).toEqual(['a', 'a']);
    await heartbeats('a', 3);
    expect(a.bus.hasGroupMembers('s', GROUP)).toBe(true);
    expect(await admin.sismember('slow:shares', `s\u0000${GROUP}`)).toBe(1);
    expect(gone).toEqual([]);

    // The key lapses: the next check removes S's entries, once.
    await admin.del('slow:node:s');
    await waitFor(() => !a.bus.hasGroupMembers('s', GROUP), 'node A to drop S', 30_000);
    expect(await admin.smembers('slow:shares')).toEqual([`a\u0000${GROUP}`]);
    expect(gone).toEqual(['s']);
    await flush(pub, 'worker-a', onA.got);
    // What was routed to S is S's; every message routed to A arrived.
    const toA = [...routes]
      .filter(([p, nodes]) => p.startsWith('job-') && nodes.includes('a'))
      .map(([p]) => p);
    expect(jobs(onA.got).sort()).toEqual(toA.sort());
    await Promise.all([endClient(pub), endClient(onA.client)]);
  }, 60_000);

  it('skips at once, when it starts, a node whose entries outlived its liveness key, and removes them', async () => {
    // Left by a node that died with the rest of the cluster: nobody was there to remove its entry.
    await admin.sadd('cold:shares', `x\u0000${GROUP}`);
    const a = await node('cold:', 'a');
    expect(a.bus.isNodeAlive('x')).toBe(false);
    const onA = await member(a.port, 'worker-a');
    const { client: pub } = await client(a.port, 'pub');
    for (let i = 0; i < 10; i++) await pub.publishAsync('jobs/x', `job-${i}`, { qos: 1 });
    await waitFor(() => jobs(onA.got).length >= 10, 'every message on the member on A');
    await flush(pub, 'worker-a', onA.got);
    expect(jobs(onA.got)).toEqual(Array.from({ length: 10 }, (_, i) => `job-${i}`));
    await waitFor(() => !a.bus.hasGroupMembers('x', GROUP), 'node A to drop the entry of X');
    expect(await admin.smembers('cold:shares')).toEqual([`a\u0000${GROUP}`]);
    await Promise.all([endClient(pub), endClient(onA.client)]);
  });

  it('announces its groups again when another node took it for dead while it was only paused', async () => {
    const a = await node('paused:', 'a');
    const b = await node('paused:', 'b');
    await member(a.port, 'worker-a');
    await waitFor(() => b.bus.hasGroupMembers('a', GROUP), 'node B to learn of the member on A');
    // What node B's removal script does when A's key has lapsed (A paused longer than its TTL).
    await admin
      .multi()
      .srem('paused:shares', `a\u0000${GROUP}`)
      .publish('paused:bus:shares', encodeShareFrame({ kind: ShareKind.Gone, sender: 'a', group: '' }))
      .exec();
    // A heard the notice about itself and added its member to the set again.
    const deadline = Date.now() + 10_000;
    while ((await admin.sismember('paused:shares', `a\u0000${GROUP}`)) === 0) {
      if (Date.now() > deadline) throw new Error('timed out waiting for node A to announce its group again');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Node B reads frames in order: once it has this later one, it has had A's announcement too.
    const marker = '$share/marker/m';
    await admin.publish(
      'paused:bus:shares',
      encodeShareFrame({ kind: ShareKind.Joined, sender: 'z', group: marker }),
    );
    await waitFor(() => b.bus.hasGroupMembers('z', marker), 'node B to read the marker');
    expect(b.bus.hasGroupMembers('a', GROUP)).toBe(true);
    expect(b.bus.isNodeAlive('a')).toBe(true);
  });

  it('announces its groups again once its subscriber is back, in case it missed that it was taken for dead', async () => {
    const a = await node('missed:', 'a', 'named');
    const b = await node('missed:', 'b');
    await member(a.port, 'worker-a');
    await waitFor(() => b.bus.hasGroupMembers('a', GROUP), 'node B to learn of the member on A');
    const [subscriber] = await connectionIds(admin, 'missed:a', true);
    if (subscriber === undefined) throw new Error('no subscriber connection of node A');
    // In one step: A's subscriber drops (it reconnects), and A is removed with a notice it cannot hear.
    await admin
      .multi()
      .call('CLIENT', 'KILL', 'ID', subscriber)
      .srem('missed:shares', `a\u0000${GROUP}`)
      .publish('missed:bus:shares', encodeShareFrame({ kind: ShareKind.Gone, sender: 'a', group: '' }))
      .exec();
    const deadline = Date.now() + 10_000;
    while ((await admin.sismember('missed:shares', `a\u0000${GROUP}`)) === 0) {
      if (Date.now() > deadline) throw new Error('timed out waiting for node A to announce its group again');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const marker = '$share/marker/m';
    await admin.publish(
      'missed:bus:shares',
      encodeShareFrame({ kind: ShareKind.Joined, sender: 'z', group: marker }),
    );
    await waitFor(() => b.bus.hasGroupMembers('z', marker), 'node B to read the marker');
    expect(b.bus.hasGroupMembers('a', GROUP)).toBe(true);
  });
  it("gives a node's liveness key the bus's dead-after window as TTL, whatever the persistence's heartbeat", async () => {
    // The persistence alone would refresh the key with a TTL of 3 × 500 ms: longer than the bus's 1000 ms.
    const started = await startNode(server.url, 'ttl:', 'a', {
      liveness: { heartbeatMs: 100, deadAfterMs: 1000, persistenceHeartbeatMs: 500 },
    });
    nodes.push(started);
    const ttls: number[] = [];
    const until = Date.now() + 1600;
    while (Date.now() < until) {
      ttls.push(await admin.pttl('ttl:node:a'));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(ttls.length).toBeGreaterThan(20);
    expect(Math.min(...ttls)).toBeGreaterThan(0);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(1000);
  });
});
