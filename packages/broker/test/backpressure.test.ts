import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker } from './harness.js';

let started: Started | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await started?.close();
  started = undefined;
});

async function connect(port: number, clientId: string): Promise<RawClient> {
  const { client } = await RawClient.connect(port, { clientId });
  clients.push(client);
  return client;
}

async function subscribe(client: RawClient, topicFilter: string): Promise<void> {
  client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter, qos: 1 }] });
  await client.expectPacket('suback');
}

/** A payload naming its publisher and sequence number, padded to size. */
function payload(publisher: number, seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, publisher);
  view.setUint32(4, seq);
  return bytes;
}

function publishAll(client: RawClient, topic: string, publisher: number, count: number, size: number): void {
  for (let i = 0; i < count; i++) {
    client.send({
      type: 'publish',
      topic,
      payload: payload(publisher, i, size),
      qos: 1,
      packetId: i + 1,
      retain: false,
      dup: false,
    });
  }
}

/** Reads PUBACKs until `count` arrived; resolves with how many did. */
async function countAcks(client: RawClient, count: number, progress?: { acked: number }): Promise<number> {
  let acked = 0;
  while (acked < count) {
    const packet = await client.nextPacket(30_000);
    if (packet.type === 'puback') {
      acked++;
      if (progress) progress.acked = acked;
    }
  }
  return acked;
}

/** Acknowledges every PUBLISH and records its (publisher, seq); `pauseEvery` messages it stops reading a while. */
async function receive(
  client: RawClient,
  count: number,
  pauseEvery: number,
): Promise<{ unique: Set<string>; duplicates: number }> {
  const unique = new Set<string>();
  let duplicates = 0;
  for (let n = 1; unique.size < count; n++) {
    const packet = await client.nextPacket(30_000);
    if (packet.type !== 'publish') continue;
    client.send({ type: 'puback', packetId: packet.packetId! });
    const view = new DataView(packet.payload.buffer, packet.payload.byteOffset, 8);
    const key = `${view.getUint32(0)}:${view.getUint32(4)}`;
    if (unique.has(key)) duplicates++;
    unique.add(key);
    if (pauseEvery > 0 && n % pauseEvery === 0) {
      // A slow reader: the broker's writes to it back up while it sleeps.
      client.socket.pause();
      await sleep(5);
      client.socket.resume();
    }
  }
  return { unique, duplicates };
}

describe('queuePolicy backpressure', () => {
  it('delivers 5,000 QoS 1 messages from 50 publishers to one slow subscriber, none lost or duplicated, queue bounded', async () => {
    const maxQueued = 100;
    started = await startBroker({ limits: { maxQueuedMessages: maxQueued, socketHighWaterMark: 64 * 1024 } });
    const broker = started.broker;
    const subscriber = await connect(started.port, 'sink');
    await subscribe(subscriber, 'fanin/#');
    const publishers: RawClient[] = [];
    for (let p = 0; p < 50; p++) publishers.push(await connect(started.port, `pub-${p}`));

    const size = 4096;
    let peakQueue = 0;
    const sampler = setInterval(() => {
      peakQueue = Math.max(peakQueue, broker.sessions.get('sink')?.queue.length ?? 0);
    }, 1);
    try {
      const received = receive(subscriber, 5000, 20);
      const acks = publishers.map((client, p) => {
        publishAll(client, `fanin/${p}`, p, 100, size);
        return countAcks(client, 100);
      });
      const { unique, duplicates } = await received;
      expect(await Promise.all(acks)).toEqual(publishers.map(() => 100));
      expect(unique.size).toBe(5000);
      expect(duplicates).toBe(0);
      expect(await subscriber.expectNoPacket(200)).toBeUndefined();
    } finally {
      clearInterval(sampler);
    }
    expect(broker.stats.queueDropped).toBe(0);
    // Beyond its limit the queue holds only what held publishers had already sent: at most a few 64 KB
    // read chunks each (a 400 KB burst per publisher would otherwise queue all 5,000 messages).
    expect(peakQueue).toBeLessThanOrEqual(maxQueued + 50 * ((3 * 64 * 1024) / size));
    expect(broker.sessions.get('sink')?.queue.length).toBe(0);
  }, 60_000);

  it('slows only the publishers of a stuck subscriber; an unrelated pair keeps flowing', async () => {
    started = await startBroker({
      limits: { maxQueuedMessages: 10, maxInflight: 10, socketHighWaterMark: 16 * 1024 },
    });
    const stuck = await connect(started.port, 'stuck');
    await subscribe(stuck, 'stuck/#');
    stuck.socket.pause();
    const flood = await connect(started.port, 'flood');
    const pairSub = await connect(started.port, 'pair-sub');
    await subscribe(pairSub, 'pair/#');
    const pairPub = await connect(started.port, 'pair-pub');

    const floodProgress = { acked: 0 };
    publishAll(flood, 'stuck/x', 0, 200, 4096);
    const floodAcks = countAcks(flood, 200, floodProgress);

    // The pair completes 100 QoS 1 messages while the flood's subscriber reads nothing.
    const pairReceived = receive(pairSub, 100, 0);
    publishAll(pairPub, 'pair/x', 1, 100, 64);
    expect(await countAcks(pairPub, 100)).toBe(100);
    expect((await pairReceived).unique.size).toBe(100);
    // The flood is held back: its remaining PUBACKs wait for the stuck subscriber.
    expect(floodProgress.acked).toBeLessThan(200);

    stuck.socket.resume();
    const { unique, duplicates } = await receive(stuck, 200, 0);
    expect(await floodAcks).toBe(200);
    expect(unique.size).toBe(200);
    expect(duplicates).toBe(0);
    expect(started.broker.stats.queueDropped).toBe(0);
  }, 60_000);

  it('does not hold a client that publishes to its own subscription', async () => {
    started = await startBroker({ limits: { maxQueuedMessages: 5, maxInflight: 5 } });
    const loop = await connect(started.port, 'loop');
    await subscribe(loop, 'self/#');
    // It sends 8 messages before reading anything: 5 in flight, the rest queued or held past the limit.
    publishAll(loop, 'self/x', 0, 8, 16);
    const unique = new Set<number>();
    let acked = 0;
    while (unique.size < 8 || acked < 8) {
      const packet = await loop.nextPacket(10_000);
      if (packet.type === 'puback') acked++;
      if (packet.type === 'publish') {
        loop.send({ type: 'puback', packetId: packet.packetId! });
        unique.add(new DataView(packet.payload.buffer, packet.payload.byteOffset, 8).getUint32(4));
      }
    }
    expect(unique.size).toBe(8);
    expect(started.broker.stats.queueDropped).toBe(0);
  });

  it('releases a held publisher when its subscriber disconnects', async () => {
    started = await startBroker({
      limits: { maxQueuedMessages: 5, maxInflight: 5, socketHighWaterMark: 1024 },
    });
    const stuck = await connect(started.port, 'gone');
    await subscribe(stuck, 'gone/#');
    stuck.socket.pause();
    const flood = await connect(started.port, 'flood2');
    publishAll(flood, 'gone/x', 0, 100, 4096);
    const acks = countAcks(flood, 100);
    // Once the (clean) subscriber is gone its session ends and the flood's messages have nowhere to queue.
    stuck.destroy();
    expect(await acks).toBe(100);
  });

  it('rejects an unknown queuePolicy', async () => {
    await expect(
      startBroker({ limits: { queuePolicy: 'block' as unknown as 'backpressure' } }),
    ).rejects.toThrow(TypeError);
  });
});
