import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, str, text, until } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

const pub = (topic: string, payload: string, qos: 0 | 1 | 2, packetId = 1) =>
  ({
    type: 'publish',
    topic,
    payload: text(payload),
    qos,
    retain: false,
    dup: false,
    ...(qos && { packetId }),
  }) as const;

async function publishAll(port: number, packets: ReturnType<typeof pub>[]) {
  const { client } = await RawClient.connect(port, { clientId: 'publisher' });
  for (const p of packets) client.send(p);
  client.send({ type: 'pingreq' });
  for (;;) if ((await client.nextPacket()).type === 'pingresp') break;
  await client.end();
}

async function persistentSubscriber(
  port: number,
  clientId: string,
  filter: string,
  version: 4 | 5 = 4,
  expiry = 60,
) {
  const { client } = await RawClient.connect(port, {
    clientId,
    cleanStart: false,
    protocolVersion: version,
    ...(version === 5 && { properties: { sessionExpiryInterval: expiry } }),
  });
  client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: filter, qos: 2 }] });
  await client.expectPacket('suback');
  await client.end();
}

describe('sessions', () => {
  it('[MQTT-3.1.2-5] [MQTT-3.1.2-4] [MQTT-4.5.0-1] stores QoS 1 and 2 messages for a disconnected 3.1.1 session, not QoS 0', async () => {
    started = await startBroker();
    await persistentSubscriber(started.port, 'away', 's/#');
    await publishAll(started.port, [pub('s/0', 'zero', 0), pub('s/1', 'one', 1, 1), pub('s/2', 'two', 2, 2)]);
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'away',
      cleanStart: false,
    });
    expect(connack).toMatchObject({ sessionPresent: true });
    const first = await client.expectPacket('publish');
    const second = await client.expectPacket('publish');
    expect([first, second].map((p) => [p.topic, str(p.payload), p.qos])).toEqual([
      ['s/1', 'one', 1],
      ['s/2', 'two', 2],
    ]);
    client.send({ type: 'puback', packetId: first.packetId! });
    client.send({ type: 'pubrec', packetId: second.packetId! });
    await client.expectPacket('pubrel');
    client.send({ type: 'pubcomp', packetId: second.packetId! });
    expect(await client.expectNoPacket(200)).toBeUndefined();
    await client.end();
  });

  it('queues messages for an absent client as copies detached from the socket chunk they arrived in', async () => {
    started = await startBroker();
    await persistentSubscriber(started.port, 'away', 'd/#');
    await publishAll(started.port, [pub('d/1', 'small', 1, 1), pub('d/2', 'x'.repeat(50_000), 1, 2)]);
    const queued = started.broker.sessions.get('away')!.queue.shift()!;
    expect(str(queued.delivery.message.payload)).toBe('small');
    expect(queued.delivery.message.payload.buffer.byteLength).toBe(5);
  });

  it('[MQTT-3.1.2-6] [MQTT-3.1.2-4] [MQTT-3.1.4-3] discards the session and its subscriptions on Clean Session 1', async () => {
    started = await startBroker();
    await persistentSubscriber(started.port, 'cleaned', 'c/#');
    const { client: fresh, connack } = await RawClient.connect(started.port, {
      clientId: 'cleaned',
      cleanStart: true,
    });
    expect(connack).toMatchObject({ sessionPresent: false });
    await fresh.end();
    await publishAll(started.port, [pub('c/1', 'x', 1)]);
    const { client, connack: again } = await RawClient.connect(started.port, {
      clientId: 'cleaned',
      cleanStart: false,
    });
    expect(again).toMatchObject({ sessionPresent: false });
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-4.1.0-2] [MQTT-3.1.2-23] discards a v5 session once its Session Expiry Interval has passed', async () => {
    started = await startBroker();
    await persistentSubscriber(started.port, 'short', 'e/#', 5, 1);
    expect(started.broker.sessions.has('short')).toBe(true);
    await until(() => !started!.broker.sessions.has('short'));
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'short',
      protocolVersion: 5,
      cleanStart: false,
    });
    expect(connack).toMatchObject({ sessionPresent: false });
    await client.end();
  });

  it('[MQTT-4.1.0-1] ends a v5 session with Session Expiry Interval 0 when the connection closes', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, {
      clientId: 'zero',
      protocolVersion: 5,
      cleanStart: false,
    });
    expect(started.broker.sessions.has('zero')).toBe(true);
    await client.end();
    await until(() => !started!.broker.sessions.has('zero'));
  });

  it('[MQTT-3.14.2-2] refuses a DISCONNECT that raises Session Expiry Interval from 0', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'raise', protocolVersion: 5 });
    client.send({ type: 'disconnect', properties: { sessionExpiryInterval: 100 } });
    expect(await client.nextPacket()).toMatchObject({ type: 'disconnect', reasonCode: 0x82 });
    await client.closed();
  });

  it('lets a v5 DISCONNECT shorten the Session Expiry Interval to 0, ending the session', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, {
      clientId: 'shorten',
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 100 },
    });
    client.send({ type: 'disconnect', properties: { sessionExpiryInterval: 0 } });
    await client.closed();
    await until(() => !started!.broker.sessions.has('shorten'));
  });

  it("drops the oldest queued message when a session's queue is full (drop-oldest) and counts it", async () => {
    started = await startBroker({ limits: { maxQueuedMessages: 3, queuePolicy: 'drop-oldest' } });
    await persistentSubscriber(started.port, 'full', 'f');
    await publishAll(
      started.port,
      [1, 2, 3, 4, 5].map((i) => pub('f', String(i), 1, i)),
    );
    expect(started.broker.stats.queueDropped).toBe(2);
    const { client } = await RawClient.connect(started.port, { clientId: 'full', cleanStart: false });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await client.expectPacket('publish');
      got.push(str(p.payload));
      client.send({ type: 'puback', packetId: p.packetId! });
    }
    expect(got).toEqual(['3', '4', '5']);
    await client.end();
  });

  it('refuses new messages when a session queue is full (drop-new)', async () => {
    started = await startBroker({ limits: { maxQueuedMessages: 2, queuePolicy: 'drop-new' } });
    await persistentSubscriber(started.port, 'full2', 'f');
    await publishAll(
      started.port,
      [1, 2, 3, 4].map((i) => pub('f', String(i), 1, i)),
    );
    expect(started.broker.stats.queueDropped).toBe(2);
    const { client } = await RawClient.connect(started.port, { clientId: 'full2', cleanStart: false });
    const got = [await client.expectPacket('publish'), await client.expectPacket('publish')];
    expect(got.map((p) => str(p.payload))).toEqual(['1', '2']);
    await client.end();
  });

  it('[MQTT-3.3.2-5] [MQTT-3.3.2-6] drops expired queued messages and sends the rest with the remaining expiry', async () => {
    started = await startBroker();
    await persistentSubscriber(started.port, 'exp', 'x/#', 5);
    const { client: p } = await RawClient.connect(started.port, { clientId: 'p5', protocolVersion: 5 });
    p.send({ ...pub('x/short', 'a', 1, 1), properties: { messageExpiryInterval: 1 } });
    p.send({ ...pub('x/long', 'b', 1, 2), properties: { messageExpiryInterval: 100 } });
    await p.expectPacket('puback');
    await p.expectPacket('puback');
    await p.end();
    await new Promise((r) => setTimeout(r, 1200));
    const { client } = await RawClient.connect(started.port, {
      clientId: 'exp',
      protocolVersion: 5,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    });
    const got = await client.expectPacket('publish');
    expect(got.topic).toBe('x/long');
    expect(got.properties?.messageExpiryInterval).toBeGreaterThan(90);
    expect(got.properties?.messageExpiryInterval).toBeLessThan(100);
    expect(started.broker.stats.expiredDropped).toBe(1);
    await client.end();
  });

  it('queues nothing with maxQueuedMessages 0', async () => {
    started = await startBroker({ limits: { maxQueuedMessages: 0 } });
    await persistentSubscriber(started.port, 'noqueue', 'n');
    await publishAll(started.port, [pub('n', '1', 1, 1), pub('n', '2', 1, 2)]);
    expect(started.broker.stats.queueDropped).toBe(2);
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'noqueue',
      cleanStart: false,
    });
    expect(connack).toMatchObject({ sessionPresent: true });
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await client.end();
  });
});
