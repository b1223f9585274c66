import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, str, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

const publish = (topic: string, payload: string, qos: 0 | 1 | 2, packetId?: number, dup = false) =>
  ({
    type: 'publish',
    topic,
    payload: text(payload),
    qos,
    retain: false,
    dup,
    ...(packetId !== undefined && { packetId }),
  }) as const;

async function subscriber(
  port: number,
  clientId: string,
  filter: string,
  qos: 0 | 1 | 2,
  version: 4 | 5 = 4,
) {
  const { client } = await RawClient.connect(port, { clientId, protocolVersion: version });
  client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: filter, qos }] });
  await client.expectPacket('suback');
  return client;
}

describe('PUBLISH QoS flows', () => {
  it('[MQTT-4.3.2-4] [MQTT-4.3.2-2] [MQTT-2.3.1-6] [MQTT-2.2.1-5] [MQTT-3.3.4-1] acknowledges QoS 1 with PUBACK carrying the same packet id', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'p1' });
    client.send(publish('a', 'x', 1, 4321));
    expect(await client.nextPacket()).toEqual({ type: 'puback', packetId: 4321 });
    await client.end();
  });

  it('[MQTT-4.3.3-8] [MQTT-4.3.3-11] [MQTT-4.3.3-2] runs the QoS 2 PUBREC/PUBREL/PUBCOMP exchange with the same packet id', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'p2' });
    client.send(publish('a', 'x', 2, 77));
    expect(await client.nextPacket()).toEqual({ type: 'pubrec', packetId: 77 });
    client.send({ type: 'pubrel', packetId: 77 });
    expect(await client.nextPacket()).toEqual({ type: 'pubcomp', packetId: 77 });
    await client.end();
  });

  it('[MQTT-4.3.3-10] [MQTT-4.3.3-12] delivers a QoS 2 message once even when the publisher resends it', async () => {
    started = await startBroker();
    const sub = await subscriber(started.port, 'sub', 'once', 2);
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('once', 'x', 2, 9));
    expect(await pub.nextPacket()).toEqual({ type: 'pubrec', packetId: 9 });
    pub.send(publish('once', 'x', 2, 9, true));
    expect(await pub.nextPacket()).toEqual({ type: 'pubrec', packetId: 9 });
    pub.send({ type: 'pubrel', packetId: 9 });
    expect(await pub.nextPacket()).toEqual({ type: 'pubcomp', packetId: 9 });
    const first = await sub.expectPacket('publish');
    expect(first).toMatchObject({ topic: 'once', qos: 2, dup: false });
    expect(await sub.expectNoPacket(300)).toBeUndefined();
    // After PUBCOMP the id is free: the same id is a new message.
    pub.send(publish('once', 'y', 2, 9));
    expect(await pub.nextPacket()).toEqual({ type: 'pubrec', packetId: 9 });
    const second = await sub.expectPacket('publish');
    expect(str(second.payload)).toBe('y');
    await pub.end();
    await sub.end();
  });

  it('[MQTT-4.3.2-5] treats a QoS 1 PUBLISH reusing an acknowledged packet id as a new message', async () => {
    started = await startBroker();
    const sub = await subscriber(started.port, 'sub', 'q1', 1);
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('q1', 'a', 1, 5));
    await pub.expectPacket('puback');
    pub.send(publish('q1', 'b', 1, 5));
    await pub.expectPacket('puback');
    const got = [await sub.expectPacket('publish'), await sub.expectPacket('publish')];
    expect(got.map((p) => str(p.payload))).toEqual(['a', 'b']);
    await pub.end();
    await sub.end();
  });

  it('[MQTT-4.3.1-1] [MQTT-3.3.1-2] [MQTT-2.3.1-5] [MQTT-2.2.1-2] forwards QoS 0 with DUP 0 and no packet id', async () => {
    started = await startBroker();
    const sub = await subscriber(started.port, 'sub', 'z', 2);
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('z', 'x', 0));
    const got = await sub.expectPacket('publish');
    expect(got).toMatchObject({ qos: 0, dup: false });
    expect(got.packetId).toBeUndefined();
    await pub.end();
    await sub.end();
  });

  it('[MQTT-4.3.2-1] [MQTT-4.3.2-2] [MQTT-2.2.1-4] [MQTT-3.3.1-3] sends QoS 1 with fresh non-zero ids and DUP 0, ignoring the inbound DUP', async () => {
    started = await startBroker();
    const sub = await subscriber(started.port, 'sub', 'd', 1);
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('d', '1', 1, 1, true));
    pub.send(publish('d', '2', 1, 2));
    const a = await sub.expectPacket('publish');
    const b = await sub.expectPacket('publish');
    expect(a.dup).toBe(false);
    expect(b.dup).toBe(false);
    expect(a.packetId).toBeGreaterThan(0);
    expect(b.packetId).toBeGreaterThan(0);
    expect(a.packetId).not.toBe(b.packetId);
    await pub.end();
    await sub.end();
  });

  it('[MQTT-4.3.3-1] [MQTT-4.3.3-2] [MQTT-4.3.3-4] [MQTT-3.6.2-1] sends QoS 2 to a subscriber and answers its PUBREC with PUBREL', async () => {
    started = await startBroker();
    const sub = await subscriber(started.port, 'sub', 'two', 2);
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('two', 'x', 2, 3));
    const got = await sub.expectPacket('publish');
    expect(got).toMatchObject({ qos: 2, dup: false });
    sub.send({ type: 'pubrec', packetId: got.packetId! });
    expect(await sub.nextPacket()).toEqual({ type: 'pubrel', packetId: got.packetId });
    sub.send({ type: 'pubcomp', packetId: got.packetId! });
    expect(await sub.expectNoPacket(200)).toBeUndefined();
    await pub.end();
    await sub.end();
  });

  it('[MQTT-4.3.2-3] [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-2.3.1-4] resends unacknowledged QoS 1 with DUP and the same id on reconnect', async () => {
    started = await startBroker();
    const { client: s1 } = await RawClient.connect(started.port, { clientId: 'sub', cleanStart: false });
    s1.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'r', qos: 1 }] });
    await s1.expectPacket('suback');
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('r', 'x', 1, 1));
    const first = await s1.expectPacket('publish');
    await s1.end();
    const { client: s2, connack } = await RawClient.connect(started.port, {
      clientId: 'sub',
      cleanStart: false,
    });
    expect(connack).toMatchObject({ sessionPresent: true });
    const again = await s2.expectPacket('publish');
    expect(again).toMatchObject({ packetId: first.packetId, dup: true, qos: 1 });
    s2.send({ type: 'puback', packetId: again.packetId! });
    expect(await s2.expectNoPacket(200)).toBeUndefined();
    await pub.end();
    await s2.end();
  });

  it('[MQTT-4.3.3-3] [MQTT-4.3.3-5] [MQTT-4.3.3-6] resends PUBREL, not the PUBLISH, for QoS 2 after PUBREC on reconnect', async () => {
    started = await startBroker();
    const { client: s1 } = await RawClient.connect(started.port, { clientId: 'sub', cleanStart: false });
    s1.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'r2', qos: 2 }] });
    await s1.expectPacket('suback');
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('r2', 'x', 2, 1));
    const got = await s1.expectPacket('publish');
    s1.send({ type: 'pubrec', packetId: got.packetId! });
    await s1.expectPacket('pubrel');
    await s1.end();
    const { client: s2 } = await RawClient.connect(started.port, { clientId: 'sub', cleanStart: false });
    expect(await s2.nextPacket()).toEqual({ type: 'pubrel', packetId: got.packetId });
    s2.send({ type: 'pubcomp', packetId: got.packetId! });
    expect(await s2.expectNoPacket(200)).toBeUndefined();
    await pub.end();
    await s2.end();
  });

  it('[MQTT-4.6.0-1] [MQTT-4.6.0-5] [MQTT-4.6.0-6] keeps per-topic order across QoS and through the offline queue', async () => {
    started = await startBroker();
    const { client: s1 } = await RawClient.connect(started.port, { clientId: 'ord', cleanStart: false });
    s1.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'o', qos: 1 }] });
    await s1.expectPacket('suback');
    await s1.end();
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    for (let i = 0; i < 20; i++) pub.send(publish('o', String(i), 1, i + 1));
    for (let i = 0; i < 20; i++) await pub.expectPacket('puback');
    const { client: s2 } = await RawClient.connect(started.port, { clientId: 'ord', cleanStart: false });
    const got: string[] = [];
    for (let i = 0; i < 20; i++) {
      const p = await s2.expectPacket('publish');
      got.push(str(p.payload));
      s2.send({ type: 'puback', packetId: p.packetId! });
    }
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    await pub.end();
    await s2.end();
  });

  it('[MQTT-4.4.0-2] [MQTT-4.8.2-6] does not retransmit a message the client refused with PUBACK 0x80', async () => {
    started = await startBroker();
    const { client: s1 } = await RawClient.connect(started.port, {
      clientId: 'refuser',
      protocolVersion: 5,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    });
    s1.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'f', qos: 1 }] });
    await s1.expectPacket('suback');
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('f', 'x', 1, 1));
    const got = await s1.expectPacket('publish');
    s1.send({ type: 'puback', packetId: got.packetId!, reasonCode: ReasonCode.UnspecifiedError });
    await s1.end();
    const { client: s2 } = await RawClient.connect(started.port, {
      clientId: 'refuser',
      protocolVersion: 5,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    });
    expect(await s2.expectNoPacket(300)).toBeUndefined();
    await pub.end();
    await s2.end();
  });

  it('[MQTT-3.7.2-1] answers a v5 PUBREL for an unknown packet id with PUBCOMP 0x92', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'u', protocolVersion: 5 });
    client.send({ type: 'pubrel', packetId: 99 });
    expect(await client.nextPacket()).toEqual({
      type: 'pubcomp',
      packetId: 99,
      reasonCode: ReasonCode.PacketIdentifierNotFound,
    });
    await client.end();
  });

  it('[MQTT-3.3.4-6] disconnects a v5 client that sends a Subscription Identifier in PUBLISH with 0x82', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'u', protocolVersion: 5 });
    client.send({ ...publish('s', 'x', 0), properties: { subscriptionIdentifiers: [3] } });
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.ProtocolError,
    });
    await client.closed();
  });

  it('[MQTT-3.3.5-2] acknowledges but does not route a 3.1.1 PUBLISH the authorizer refuses', async () => {
    started = await startBroker({ auth: { authorizePublish: (ctx) => ctx.topic !== 'secret' } });
    const sub = await subscriber(started.port, 'sub', '#', 1);
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    pub.send(publish('secret', 'x', 1, 1));
    expect(await pub.nextPacket()).toEqual({ type: 'puback', packetId: 1 });
    pub.send(publish('open', 'y', 1, 2));
    await pub.expectPacket('puback');
    expect(await sub.expectPacket('publish')).toMatchObject({ topic: 'open' });
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.4.2-1] [MQTT-3.5.2-1] answers a refused v5 PUBLISH with PUBACK/PUBREC Not authorized', async () => {
    started = await startBroker({ auth: { authorizePublish: async () => false } });
    const { client } = await RawClient.connect(started.port, { clientId: 'u', protocolVersion: 5 });
    client.send(publish('a', 'x', 1, 1));
    expect(await client.nextPacket()).toEqual({
      type: 'puback',
      packetId: 1,
      reasonCode: ReasonCode.NotAuthorized,
    });
    client.send(publish('a', 'x', 2, 2));
    expect(await client.nextPacket()).toEqual({
      type: 'pubrec',
      packetId: 2,
      reasonCode: ReasonCode.NotAuthorized,
    });
    await client.end();
  });

  it('[MQTT-4.3.3-7] [MQTT-4.3.3-13] keeps resending an expired QoS 2 message once sent, and finishes its exchange', async () => {
    started = await startBroker();
    const options = {
      clientId: 'slowsub',
      protocolVersion: 5 as const,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    };
    const first = await RawClient.connect(started.port, options);
    first.client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'exp2', qos: 2 }] });
    await first.client.expectPacket('suback');
    started.broker.publishMessage({
      topic: 'exp2',
      payload: text('x'),
      qos: 2,
      retain: false,
      expiresAt: Date.now() + 1000,
    });
    const sent = await first.client.expectPacket('publish');
    await first.client.end();
    await new Promise((r) => setTimeout(r, 1200));
    const second = await RawClient.connect(started.port, options);
    const again = await second.client.expectPacket('publish');
    expect(again).toMatchObject({ packetId: sent.packetId, dup: true });
    second.client.send({ type: 'pubrec', packetId: again.packetId! });
    expect(await second.client.nextPacket()).toMatchObject({ type: 'pubrel', packetId: again.packetId });
    await second.client.end();
  });

  it('[MQTT-4.3.3-9] treats a QoS 2 PUBLISH reusing an id refused with PUBREC 0x80+ as a new message', async () => {
    started = await startBroker({ auth: { authorizePublish: (ctx) => str(ctx.payload) !== 'no' } });
    const sub = await subscriber(started.port, 'sub', 'retry', 2);
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub', protocolVersion: 5 });
    pub.send(publish('retry', 'no', 2, 5));
    expect(await pub.nextPacket()).toEqual({
      type: 'pubrec',
      packetId: 5,
      reasonCode: ReasonCode.NotAuthorized,
    });
    pub.send(publish('retry', 'yes', 2, 5));
    expect(await pub.nextPacket()).toMatchObject({ type: 'pubrec', packetId: 5, reasonCode: 0 });
    expect(str((await sub.expectPacket('publish')).payload)).toBe('yes');
    await pub.end();
    await sub.end();
  });

  for (const [kind, authorizePublish] of [
    [
      'rejects',
      async () => {
        throw new Error('store down');
      },
    ],
    [
      'throws',
      () => {
        throw new Error('store down');
      },
    ],
  ] as const) {
    it(`[MQTT-4.8.0-2] closes the connection when an authorization hook ${kind}`, async () => {
      started = await startBroker({ auth: { authorizePublish } });
      const { client } = await RawClient.connect(started.port, { clientId: 'p', protocolVersion: 5 });
      client.send(publish('a', 'x', 1, 1));
      expect(await client.nextPacket()).toMatchObject({
        type: 'disconnect',
        reasonCode: ReasonCode.UnspecifiedError,
      });
      await client.closed();
    });
  }
});
