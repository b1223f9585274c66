import type { Packet, PublishPacket } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from '../src/client.js';
import { createClient } from '../src/index.js';
import type { PublishResult } from '../src/outgoing.js';
import { MemoryStore } from '../src/store/memory.js';
import { defaultBehaviour, FakeBroker, type FakeConnection } from './helpers/fake-broker.js';
import { waitUntil } from './helpers/transport-probe.js';

const fast = { reconnect: { initialDelay: 20, maxDelay: 200 } } as const;
let broker: FakeBroker | undefined;
let client: MqttClient | undefined;
afterEach(async () => {
  await client?.end({ force: true });
  await broker?.close();
  client = undefined;
  broker = undefined;
});

const publishes = (c: FakeConnection) => c.received.filter((p): p is PublishPacket => p.type === 'publish');

/**
 * Connection 0 acknowledges the first `ackFirst` publishes (and for QoS 2 only PUBRECs them),
 * then cuts the socket once it has seen `cutAfter`; later connections acknowledge everything.
 */
function cutMidStream(ackFirst: number, cutAfter: number, sessionPresent: boolean) {
  return {
    connack: (_: unknown, c: FakeConnection) => ({
      sessionPresent: c.index > 0 && sessionPresent,
      reasonCode: 0,
      properties: { receiveMaximum: 20 },
    }),
    onPacket: (packet: Packet, c: FakeConnection) => {
      if (c.index > 0) return defaultBehaviour(packet, c);
      // Connection 0 never completes QoS 2 (PUBREL stays unanswered).
      if (packet.type === 'pubrel') return;
      if (packet.type !== 'publish') return defaultBehaviour(packet, c);
      const seen = publishes(c).length;
      if (seen <= ackFirst) {
        const packetId = packet.packetId as number;
        c.send(packet.qos === 1 ? { type: 'puback', packetId } : { type: 'pubrec', packetId });
      }
      if (seen === cutAfter) c.cut();
    },
  };
}

describe('connection cut mid-stream', () => {
  // 3.1.1 numbers the same rules differently: 2.3.1-2 (an unused id for each new packet), 2.3.1-3 (the same
  // id when it is re-sent), 3.3.1-1 (DUP on re-delivery) and 4.4.0-1 (re-send on reconnect).
  for (const { protocolVersion, ids } of [
    { protocolVersion: 5, ids: '[MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.3.2-2]' },
    { protocolVersion: 4, ids: '[MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-2.3.1-2] [MQTT-2.3.1-3]' },
  ] as const) {
    it(`${ids} resends every unacknowledged QoS 1 publish with DUP and its packet id; no promise resolves early (${protocolVersion === 5 ? '5.0' : '3.1.1'})`, async () => {
      broker = await FakeBroker.start(cutMidStream(5, 10, true));
      client = createClient(broker.url, {
        ...fast,
        protocolVersion,
        clientId: `cut-q1-${protocolVersion}`,
        cleanStart: false,
        ...(protocolVersion === 5 && { sessionExpiryInterval: 60 }),
      });
      const resolved: string[] = [];
      const acked = () => broker?.all('puback').length ?? 0;
      const pending = Array.from({ length: 40 }, (_, i) =>
        client?.publish('cut/q1', `m${i}`, { qos: 1 }).then((r: PublishResult) => {
          resolved.push(`m${i}`);
          return r;
        }),
      );
      await broker.until(
        () =>
          broker?.connections[0]?.received.length !== undefined &&
          publishes(broker.connections[0] as FakeConnection).length >= 10,
      );
      await broker.connections[0]?.closed;
      const first = broker.connections[0] as FakeConnection;
      // Only what connection 0 acknowledged may have resolved, and nothing else.
      expect(resolved.every((m) => Number(m.slice(1)) < 5)).toBe(true);
      await Promise.all(pending);
      expect(acked()).toBe(0);
      expect(resolved).toHaveLength(40);
      const second = broker.connections[1] as FakeConnection;
      // First transmissions carry DUP 0.
      expect(publishes(first).every((p) => !p.dup && p.qos === 1)).toBe(true);
      // Each new packet took an identifier no other in-flight packet had.
      expect(new Set(publishes(first).map((p) => p.packetId)).size).toBe(publishes(first).length);
      const unacked = publishes(first).slice(5);
      const resent = publishes(second).slice(0, unacked.length);
      expect(resent.map((p) => [p.packetId, p.dup, new TextDecoder().decode(p.payload)])).toEqual(
        unacked.map((p) => [p.packetId, true, new TextDecoder().decode(p.payload)]),
      );
      // Everything else went out fresh, each message exactly once on the second connection.
      const texts = publishes(second).map((p) => new TextDecoder().decode(p.payload));
      expect(new Set(texts).size).toBe(texts.length);
      expect(texts.length).toBe(35);
    });
  }

  it('[MQTT-4.3.3-4] [MQTT-4.3.3-6] resends PUBREL (not PUBLISH) for QoS 2 messages the server had received', async () => {
    broker = await FakeBroker.start(cutMidStream(4, 8, true));
    client = createClient(broker.url, {
      ...fast,
      clientId: 'cut-q2',
      cleanStart: false,
      sessionExpiryInterval: 60,
    });
    const pending = Array.from({ length: 12 }, (_, i) => client?.publish('cut/q2', `m${i}`, { qos: 2 }));
    await Promise.all(pending);
    const first = broker.connections[0] as FakeConnection;
    const second = broker.connections[1] as FakeConnection;
    const pubrecd = publishes(first)
      .slice(0, 4)
      .map((p) => p.packetId);
    // PUBREL answered each successful PUBREC on the first connection.
    expect(
      first.received.filter((p) => p.type === 'pubrel').map((p) => p.type === 'pubrel' && p.packetId),
    ).toEqual(pubrecd);
    const resentPubrels = second.received
      .filter((p) => p.type === 'pubrel')
      .map((p) => p.type === 'pubrel' && p.packetId);
    expect(resentPubrels.slice(0, 4)).toEqual(pubrecd);
    const republished = publishes(second).map((p) => p.packetId);
    for (const id of pubrecd) expect(republished).not.toContain(id);
    expect(publishes(second).filter((p) => p.dup)).toHaveLength(publishes(first).length - 4);
  });

  it('[MQTT-3.2.2-5] sends unacknowledged messages again as new ones and restores subscriptions when the session is gone', async () => {
    broker = await FakeBroker.start(cutMidStream(2, 6, false));
    client = createClient(broker.url, { ...fast, clientId: 'cut-lost' });
    await client.subscribe('restore/me', { qos: 1 });
    const pending = Array.from({ length: 6 }, (_, i) => client?.publish('cut/lost', `m${i}`, { qos: 1 }));
    await Promise.all(pending);
    const second = broker.connections[1] as FakeConnection;
    expect(second.received.find((p) => p.type === 'subscribe')).toMatchObject({
      subscriptions: [{ topicFilter: 'restore/me', qos: 1 }],
    });
    expect(publishes(second).map((p) => [p.dup, new TextDecoder().decode(p.payload)])).toEqual(
      ['m2', 'm3', 'm4', 'm5'].map((m) => [false, m]),
    );
  });

  it('queues publishes made while reconnecting and sends them once connected, in order', async () => {
    broker = await FakeBroker.start();
    client = createClient(broker.url, { ...fast, clientId: 'offline-queue' });
    await client.whenConnected();
    broker.connections[0]?.destroy();
    await waitUntil(() => client?.state === 'reconnecting', 5000, 'reconnecting');
    const pending = [0, 1, 2].map((i) => client?.publish('q/offline', `m${i}`, { qos: i === 0 ? 0 : 1 }));
    await Promise.all(pending);
    expect(
      publishes(broker.connections.at(-1) as FakeConnection).map((p) => new TextDecoder().decode(p.payload)),
    ).toEqual(['m0', 'm1', 'm2']);
  });
});

describe('flow control', () => {
  it('[MQTT-4.9.0-2] never has more QoS 1/2 publishes in flight than the server receive maximum', async () => {
    let inflight = 0;
    let peak = 0;
    const held: Array<() => void> = [];
    broker = await FakeBroker.start({
      connack: () => ({ sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 3 } }),
      onPacket: (packet, c) => {
        if (packet.type !== 'publish') return defaultBehaviour(packet, c);
        inflight += 1;
        peak = Math.max(peak, inflight);
        const packetId = packet.packetId as number;
        // Acknowledge in batches once the window is full, after everything already received was
        // counted, so a client that overran the window would show up in `peak`.
        held.push(() => {
          inflight -= 1;
          c.send(packet.qos === 1 ? { type: 'puback', packetId } : { type: 'pubrec', packetId });
        });
        if (held.length === 3)
          setImmediate(() => {
            for (const ack of held.splice(0)) ack();
          });
      },
    });
    client = createClient(broker.url, fast);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => client?.publish('rm/x', `m${i}`, { qos: ((i % 2) + 1) as 1 | 2 })),
    );
    expect(peak).toBe(3);
    expect(broker.all('publish')).toHaveLength(30);
  });

  it('[MQTT-4.9.0-2] resends a resumed session within a Receive Maximum the server lowered meanwhile', async () => {
    let inflight = 0;
    let peak = 0;
    const held: Array<() => void> = [];
    broker = await FakeBroker.start({
      connack: (_connect, c) => ({
        sessionPresent: c.index > 0,
        reasonCode: 0,
        properties: { receiveMaximum: c.index === 0 ? 10 : 3 },
      }),
      onPacket: (packet, c) => {
        if (c.index === 0) {
          if (packet.type === 'publish' && publishes(c).length === 10) c.cut();
          return;
        }
        if (packet.type !== 'publish') return defaultBehaviour(packet, c);
        inflight += 1;
        peak = Math.max(peak, inflight);
        held.push(() => {
          inflight -= 1;
          c.send({ type: 'puback', packetId: packet.packetId as number });
        });
        if (held.length === 3 || !packet.dup)
          setImmediate(() => {
            for (const ack of held.splice(0)) ack();
          });
      },
    });
    client = createClient(broker.url, {
      ...fast,
      clientId: 'shrink',
      cleanStart: false,
      sessionExpiryInterval: 60,
    });
    await Promise.all(Array.from({ length: 12 }, (_, i) => client?.publish('shrink/x', `m${i}`, { qos: 1 })));
    const second = broker.connections[1] as FakeConnection;
    expect(publishes(second).filter((p) => p.dup)).toHaveLength(10);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('[MQTT-3.2.2-15] fails a publish larger than the server Maximum Packet Size without sending it', async () => {
    broker = await FakeBroker.start({
      connack: () => ({ sessionPresent: false, reasonCode: 0, properties: { maximumPacketSize: 64 } }),
    });
    client = createClient(broker.url, fast);
    await client.whenConnected();
    await expect(client.publish('big', new Uint8Array(100), { qos: 1 })).rejects.toMatchObject({
      code: 'PACKET_TOO_LARGE',
      reasonCode: 0x95,
    });
    await client.publish('small', 'ok', { qos: 1 });
    expect(broker.all('publish').map((p) => p.topic)).toEqual(['small']);
  });

  it('rejects with QUEUE_FULL once maxQueued messages wait', async () => {
    broker = await FakeBroker.start({ connack: () => undefined });
    client = createClient(broker.url, { ...fast, maxQueued: 2 });
    const accepted = [client.enqueue('q', 'a', { qos: 1 }), client.enqueue('q', 'b', { qos: 1 })];
    await Promise.all(accepted);
    await expect(client.publish('q', 'c', { qos: 1 })).rejects.toMatchObject({ code: 'QUEUE_FULL' });
  });
});

describe('resuming from a store', () => {
  it('[MQTT-4.4.0-1] resends stored in-flight messages with their packet ids when the session is present', async () => {
    const store = new MemoryStore();
    const payload = new TextEncoder().encode('from last run');
    await store.put({ key: 1, topic: 'r/a', payload, qos: 1, retain: false, state: 'sent', packetId: 42 });
    await store.put({
      key: 2,
      topic: 'r/b',
      payload,
      qos: 2,
      retain: false,
      state: 'released',
      packetId: 43,
    });
    await store.put({ key: 3, topic: 'r/c', payload, qos: 2, retain: false, state: 'queued' });
    broker = await FakeBroker.start({
      connack: (connect) => ({ sessionPresent: !connect.cleanStart, reasonCode: 0 }),
    });
    client = createClient(broker.url, { ...fast, clientId: 'resume', cleanStart: false, store });
    const published: string[] = [];
    client.on('published', (result) => published.push(result.topic));
    await waitUntil(() => published.length === 3, 10_000, 'three completions');
    const sent = (broker.connections[0] as FakeConnection).received.filter((p) => p.type !== 'connect');
    expect(
      sent.slice(0, 3).map((p) => [p.type, 'packetId' in p ? p.packetId : 0, p.type === 'publish' && p.dup]),
    ).toEqual([
      ['publish', 42, true],
      ['pubrel', 43, false],
      ['publish', 1, false],
    ]);
    expect(published.sort()).toEqual(['r/a', 'r/b', 'r/c']);
    expect(await store.load()).toEqual([]);
  });
});

describe('refused publishes', () => {
  it('[MQTT-4.4.0-2] does not send a publish again after a PUBACK with a failure reason, even on session resume', async () => {
    broker = await FakeBroker.start({
      connack: (_connect, c) => ({ sessionPresent: c.index > 0, reasonCode: 0 }),
      onPacket: (packet, c) => {
        if (packet.type !== 'publish') return defaultBehaviour(packet, c);
        c.send({ type: 'puback', packetId: packet.packetId as number, reasonCode: 0x97 });
      },
    });
    client = createClient(broker.url, {
      ...fast,
      clientId: 'refused',
      cleanStart: false,
      sessionExpiryInterval: 60,
    });
    await expect(client.publish('quota/x', 'x', { qos: 1 })).rejects.toMatchObject({ reasonCode: 0x97 });
    broker.connections[0]?.destroy();
    await broker.until(() => broker?.connections.length === 2);
    await client.whenConnected();
    await client.subscribe('sync');
    expect(broker.all('publish')).toHaveLength(1);
  });

  it('[MQTT-3.2.2-18] sends no topic alias when the server allows none', async () => {
    broker = await FakeBroker.start();
    client = createClient(broker.url, { ...fast, autoTopicAlias: true });
    for (let i = 0; i < 3; i++) await client.publish('same/topic', `m${i}`, { qos: 1 });
    expect(broker.all('publish').map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      ['same/topic', undefined],
      ['same/topic', undefined],
      ['same/topic', undefined],
    ]);
  });
});

describe('resuming from a store without a session', () => {
  it('[MQTT-3.2.2-5] sends stored in-flight messages as new ones, QoS 2 ones past PUBREC too (at least once)', async () => {
    const store = new MemoryStore();
    const payload = new TextEncoder().encode('old');
    await store.put({ key: 1, topic: 'n/a', payload, qos: 1, retain: false, state: 'sent', packetId: 42 });
    await store.put({
      key: 2,
      topic: 'n/b',
      payload,
      qos: 2,
      retain: false,
      state: 'released',
      packetId: 43,
    });
    broker = await FakeBroker.start();
    client = createClient(broker.url, { ...fast, store });
    const published: string[] = [];
    client.on('published', (result) => published.push(result.topic));
    await waitUntil(() => published.length === 2, 10_000, 'both completed');
    // Session state is gone, so no DUP and no PUBREL for the old ids: both flows start over.
    expect(broker.all('publish').map((p) => [p.topic, p.dup, p.packetId])).toEqual([
      ['n/a', false, 1],
      ['n/b', false, 2],
    ]);
    expect(broker.all('pubrel').map((p) => p.packetId)).toEqual([2]);
    expect(await store.load()).toEqual([]);
  });

  it('publishes a QoS 2 message again when the server loses the session between PUBREC and PUBCOMP', async () => {
    // A server that delivers QoS 2 on PUBREL (as Mosquitto does) loses the message with the session.
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type === 'pubrel' && c.index === 0) c.destroy();
        else defaultBehaviour(packet, c);
      },
    });
    client = createClient(broker.url, { ...fast });
    const result = await client.publish('lost/with/session', 'once more', { qos: 2 });
    expect(result.reasonCode).toBe(0);
    expect(
      broker.connections.map((c) => c.received.filter((p) => p.type !== 'connect').map((p) => p.type)),
    ).toEqual([
      ['publish', 'pubrel'],
      ['publish', 'pubrel'],
    ]);
    expect(broker.all('publish').map((p) => [p.topic, p.dup])).toEqual([
      ['lost/with/session', false],
      ['lost/with/session', false],
    ]);
  });
});
