import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { decodeMessageFrame, encodeShareFrame, ShareKind } from '../src/frames.js';
import {
  type ClusterNode,
  type Collector,
  connect,
  endClient,
  jobs,
  startNode,
  waitFor,
} from './cluster-helpers.js';

const GROUP = '$share/workers/jobs/#';

describe.runIf(hasSystemPeer('redis-server'))('shared subscriptions across two nodes', () => {
  let server: RedisHandle;
  let admin: Redis;
  const nodes: ClusterNode[] = [];
  const clients: MqttClient[] = [];

  async function cluster(prefix: string): Promise<[ClusterNode, ClusterNode]> {
    const a = await startNode(server.url, prefix, 'a');
    const b = await startNode(server.url, prefix, 'b');
    nodes.push(a, b);
    return [a, b];
  }

  async function client(port: number, options: Parameters<typeof connect>[1]) {
    const connected = await connect(port, options);
    clients.push(connected.client);
    return connected;
  }

  /** A group member that also listens on `flush/<id>`, to know it has everything routed before. */
  async function member(port: number, clientId: string) {
    const connected = await client(port, { clientId });
    await connected.client.subscribeAsync([GROUP, `flush/${clientId}`], { qos: 1 });
    return connected;
  }

  /**
   * Waits until every earlier message has reached each member: a flush message published after them
   * comes after anything those nodes delivered to that member's session, duplicates included.
   */
  async function flush(pub: MqttClient, members: Array<{ id: string; got: Collector }>) {
    for (const { id, got } of members) {
      await pub.publishAsync(`flush/${id}`, 'flush', { qos: 1 });
      await got.until((m) => m.topic === `flush/${id}`, `the flush of ${id}`);
    }
  }

  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await Promise.all(nodes.map((n) => n.broker.close()));
    await admin?.quit();
    await server?.stop();
  });

  it('delivers each QoS 1 message to one member of the group cluster-wide, spread over both nodes', async () => {
    const [a, b] = await cluster('share:');
    const onA = await member(a.port, 'worker-a');
    const onB = await member(b.port, 'worker-b');
    // Each node learns of the other's member through Redis before the first publish is routed.
    await waitForMembers(a, b);
    const { client: pubA } = await client(a.port, { clientId: 'pub-a' });
    const { client: pubB } = await client(b.port, { clientId: 'pub-b' });
    const total = 40;
    for (let i = 0; i < total; i++)
      await (i % 2 ? pubB : pubA).publishAsync('jobs/x', `job-${i}`, { qos: 1 });
    await flush(pubA, [
      { id: 'worker-a', got: onA.got },
      { id: 'worker-b', got: onB.got },
    ]);
    const gotA = jobs(onA.got);
    const gotB = jobs(onB.got);
    expect([...gotA, ...gotB].sort()).toEqual(Array.from({ length: total }, (_, i) => `job-${i}`).sort());
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
    expect(onA.got.messages.every((m) => m.qos === 1)).toBe(true);

    // The member on B leaves: every later message goes to the one on A, from either publisher.
    await onB.client.unsubscribeAsync(GROUP);
    const after = 20;
    for (let i = 0; i < after; i++)
      await (i % 2 ? pubB : pubA).publishAsync('jobs/y', `late-${i}`, { qos: 1 });
    // A message passed on is published again by the node passing it, so it may come after a flush.
    const late = () => jobs(onA.got).filter((p) => p.startsWith('late-'));
    await waitFor(() => late().length >= after, 'every late message on node A');
    await flush(pubB, [
      { id: 'worker-a', got: onA.got },
      { id: 'worker-b', got: onB.got },
    ]);
    // Ones routed to B before node A heard it left were passed back to A, so the order may differ.
    expect(late().sort()).toEqual(Array.from({ length: after }, (_, i) => `late-${i}`).sort());
    expect(jobs(onB.got)).toEqual(gotB);
    await Promise.all([pubA, pubB, onA.client, onB.client].map((c) => endClient(c)));
  });

  it('passes a group on, losing nothing, when the node picked for it has no member any more', async () => {
    const [a, b] = await cluster('passon:');
    const onA = await member(a.port, 'only-a');
    await waitFor(() => b.bus.hasGroupMembers('a', GROUP), 'node B to learn of the member on A');
    // Node A is told that B has members too (a stale view, as when B's member left meanwhile).
    await admin.publish(
      'passon:bus:shares',
      encodeShareFrame({ kind: ShareKind.Joined, sender: 'b', group: GROUP }),
    );
    await waitFor(() => a.bus.hasGroupMembers('b', GROUP), 'node A to believe B has members');
    const watcher = new Redis(server.url);
    let passedOn = 0;
    watcher.on('messageBuffer', (_channel: Buffer, data: Buffer) => {
      if (decodeMessageFrame(data).route.sharedOnly) passedOn++;
    });
    await watcher.subscribe('passon:bus:messages');
    const { client: pub } = await client(a.port, { clientId: 'pub' });
    const total = 20;
    for (let i = 0; i < total; i++) await pub.publishAsync('jobs/z', `job-${i}`, { qos: 1 });
    await waitFor(() => jobs(onA.got).length >= total, 'every message on node A');
    await flush(pub, [{ id: 'only-a', got: onA.got }]);
    expect(jobs(onA.got).sort()).toEqual(Array.from({ length: total }, (_, i) => `job-${i}`).sort());
    // Round robin named B for half of them; B passed each of those back to A.
    expect(passedOn).toBe(total / 2);
    await watcher.quit();
    await Promise.all([endClient(pub), endClient(onA.client)]);
  });

  it('prefers a connected member on another node to queueing for an away one, and queues when all are away', async () => {
    const [a, b] = await cluster('away:');
    const persistent = { clean: false, properties: { sessionExpiryInterval: 600 } };
    const join = async (port: number, clientId: string) => {
      const connected = await client(port, { clientId, ...persistent });
      await connected.client.subscribeAsync([GROUP, `flush/${clientId}`], { qos: 1 });
      return connected;
    };
    const leave = async (node: ClusterNode, c: MqttClient) => {
      const gone = new Promise((resolve) => node.broker.once('clientDisconnect', resolve));
      await endClient(c);
      await gone;
    };
    const online = await join(a.port, 'online');
    const away = await join(b.port, 'away');
    await waitForMembers(a, b);
    await leave(b, away.client);
    const { client: pubA } = await client(a.port, { clientId: 'pub-a' });
    const { client: pubB } = await client(b.port, { clientId: 'pub-b' });
    for (let i = 0; i < 10; i++) await (i % 2 ? pubB : pubA).publishAsync('jobs/x', `job-${i}`, { qos: 1 });
    await waitFor(() => jobs(online.got).length >= 10, 'every message on the connected member');
    expect(jobs(online.got).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `job-${i}`).sort());
    // Nothing waited in the away member's session: back, it gets only its flush.
    const back = await client(b.port, { clientId: 'away', ...persistent });
    await flush(pubB, [{ id: 'away', got: back.got }]);
    expect(jobs(back.got)).toEqual([]);

    // With every member away the messages are queued, not lost.
    await Promise.all([leave(a, online.client), leave(b, back.client)]);
    for (let i = 0; i < 6; i++) await (i % 2 ? pubB : pubA).publishAsync('jobs/x', `queued-${i}`, { qos: 1 });
    // Every node has routed them once each has routed a later message to a subscriber of its own.
    const { client: probeA, got: probedA } = await client(a.port, { clientId: 'probe-a' });
    const { client: probeB, got: probedB } = await client(b.port, { clientId: 'probe-b' });
    await Promise.all([
      probeA.subscribeAsync('probe', { qos: 1 }),
      probeB.subscribeAsync('probe', { qos: 1 }),
    ]);
    await pubA.publishAsync('probe', 'after', { qos: 1 });
    await Promise.all([
      probedA.until(() => true, 'the probe on A'),
      probedB.until(() => true, 'the probe on B'),
    ]);
    const againA = await client(a.port, { clientId: 'online', ...persistent });
    const againB = await client(b.port, { clientId: 'away', ...persistent });
    const queued = () => [...jobs(againA.got), ...jobs(againB.got)].filter((p) => p.startsWith('queued-'));
    await waitFor(() => queued().length >= 6, 'every queued message after the members came back');
    await flush(pubA, [
      { id: 'online', got: againA.got },
      { id: 'away', got: againB.got },
    ]);
    expect(queued().sort()).toEqual(Array.from({ length: 6 }, (_, i) => `queued-${i}`).sort());
    await Promise.all([pubA, pubB, probeA, probeB, againA.client, againB.client].map((c) => endClient(c)));
  });

  it('stops routing a group to a node once its last member has gone with its session', async () => {
    const [a, b] = await cluster('gone:');
    const onA = await member(a.port, 'stays');
    const onB = await member(b.port, 'leaves');
    await waitForMembers(a, b);
    await endClient(onB.client);
    await waitFor(() => !a.bus.hasGroupMembers('b', GROUP), 'node A to learn the member on B is gone');
    expect(await admin.smembers('gone:shares')).toEqual([`a\u0000${GROUP}`]);
    const { client: pub } = await client(b.port, { clientId: 'pub' });
    for (let i = 0; i < 10; i++) await pub.publishAsync('jobs/w', `job-${i}`, { qos: 1 });
    await flush(pub, [{ id: 'stays', got: onA.got }]);
    expect(jobs(onA.got)).toEqual(Array.from({ length: 10 }, (_, i) => `job-${i}`));
    await Promise.all([endClient(pub), endClient(onA.client)]);
  });

  it('clears what a node announced when it closes, and a new node loads what the others announced', async () => {
    const [a, b] = await cluster('restart:');
    const onA = await member(a.port, 'member-a');
    await member(b.port, 'member-b');
    await waitForMembers(a, b);
    await b.broker.close();
    await waitFor(
      () => !a.bus.hasGroupMembers('b', GROUP),
      'node A to forget the member on the closed node B',
    );
    expect(await admin.smembers('restart:shares')).toEqual([`a\u0000${GROUP}`]);
    const c = await startNode(server.url, 'restart:', 'c');
    nodes.push(c);
    expect(c.bus.hasGroupMembers('a', GROUP)).toBe(true);
    await onA.client.unsubscribeAsync(GROUP);
    await waitFor(() => !c.bus.hasGroupMembers('a', GROUP), 'node C to learn the member on A left');
    expect(await admin.smembers('restart:shares')).toEqual([]);
    await endClient(onA.client);
  });
});

function waitForMembers(a: ClusterNode, b: ClusterNode): Promise<void> {
  return waitFor(
    () => a.bus.hasGroupMembers('b', GROUP) && b.bus.hasGroupMembers('a', GROUP),
    'both nodes to know both members',
  );
}
