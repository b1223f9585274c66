import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, str, text, until } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

const publish = (topic: string, payload: string, qos: 0 | 1 | 2 = 0, packetId = 1) =>
  ({
    type: 'publish',
    topic,
    payload: text(payload),
    qos,
    retain: false,
    dup: false,
    ...(qos && { packetId }),
  }) as const;

/** A SUBSCRIBE with one filter, built by hand: the encoder refuses to build invalid ones. */
function rawSubscribe(version: 4 | 5, filter: string, options: number): Uint8Array {
  const topic = text(filter);
  const body = [
    0x00,
    0x01,
    ...(version === 5 ? [0x00] : []),
    topic.length >> 8,
    topic.length & 0xff,
    ...topic,
    options,
  ];
  return Uint8Array.from([0x82, body.length, ...body]);
}

async function publishAll(
  port: number,
  packets: ReturnType<typeof publish>[],
  clientId = 'publisher',
  version: 4 | 5 = 4,
) {
  const { client } = await RawClient.connect(port, { clientId, protocolVersion: version });
  for (const p of packets) client.send(p);
  client.send({ type: 'pingreq' });
  for (;;) if ((await client.nextPacket()).type === 'pingresp') break;
  await client.end();
}

describe('SUBSCRIBE and UNSUBSCRIBE', () => {
  it('[MQTT-3.8.4-1] [MQTT-3.8.4-2] [MQTT-3.9.3-1] [MQTT-3.8.4-4] [MQTT-3.8.4-5] [MQTT-3.8.4-7] [MQTT-2.2.1-6] [MQTT-2.3.1-7] [MQTT-3.2.2-10] answers with one SUBACK code per filter, in order, same packet id', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({
      type: 'subscribe',
      packetId: 42,
      subscriptions: [
        { topicFilter: 'a', qos: 2 },
        { topicFilter: 'b/+', qos: 0 },
        { topicFilter: 'c/#', qos: 1 },
      ],
    });
    expect(await client.nextPacket()).toEqual({ type: 'suback', packetId: 42, reasonCodes: [2, 0, 1] });
    await client.end();
  });

  it('[MQTT-3.9.3-2] [MQTT-3.8.4-6] answers a 3.1.1 subscription the authorizer refuses with 0x80, the others granted', async () => {
    started = await startBroker({
      auth: { authorizeSubscribe: (ctx) => ctx.subscription.topicFilter !== 'no' },
    });
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: 'yes', qos: 1 },
        { topicFilter: 'no', qos: 1 },
      ],
    });
    expect(await client.nextPacket()).toEqual({ type: 'suback', packetId: 1, reasonCodes: [1, 0x80] });
    await client.end();
  });

  it('grants a lower QoS when the authorizer answers with one, and a v5 refusal carries its reason code', async () => {
    started = await startBroker({
      auth: {
        authorizeSubscribe: (ctx) =>
          ctx.subscription.topicFilter === 'low' ? 0 : { ok: false, reasonCode: 0x87 },
      },
    });
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: 'low', qos: 2 },
        { topicFilter: 'deny', qos: 1 },
      ],
    });
    expect(await client.nextPacket()).toEqual({ type: 'suback', packetId: 1, reasonCodes: [0, 0x87] });
    await client.end();
  });

  it('[MQTT-3.8.4-3] replaces an identical subscription, keeping one copy per message', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'dup', qos: 0 }] });
    await client.expectPacket('suback');
    client.send({ type: 'subscribe', packetId: 2, subscriptions: [{ topicFilter: 'dup', qos: 1 }] });
    await client.expectPacket('suback');
    await publishAll(started.port, [publish('dup', 'x', 1)]);
    expect(await client.expectPacket('publish')).toMatchObject({ qos: 1 });
    expect(await client.expectNoPacket(200)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-3.3.4-2] [MQTT-3.3.5-1] [MQTT-3.3.4-3] [MQTT-3.3.4-4] sends one copy for overlapping subscriptions at the highest QoS with every subscription id', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: 'o/+', qos: 0 }],
      properties: { subscriptionIdentifier: 10 },
    });
    client.send({
      type: 'subscribe',
      packetId: 2,
      subscriptions: [{ topicFilter: 'o/#', qos: 2 }],
      properties: { subscriptionIdentifier: 20 },
    });
    await client.expectPacket('suback');
    await client.expectPacket('suback');
    await publishAll(started.port, [publish('o/x', 'v', 2)]);
    const got = await client.expectPacket('publish');
    expect(got.qos).toBe(2);
    expect([...(got.properties?.subscriptionIdentifiers ?? [])].sort()).toEqual([10, 20]);
    expect(await client.expectNoPacket(200)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-3.8.3-3] does not send a message back to its publisher on a No Local subscription', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'me', protocolVersion: 5 });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: 'nl', qos: 0, noLocal: true }],
    });
    await client.expectPacket('suback');
    client.send(publish('nl', 'mine'));
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await publishAll(started.port, [publish('nl', 'theirs')]);
    expect(str((await client.expectPacket('publish')).payload)).toBe('theirs');
    await client.end();
  });

  it('[MQTT-4.7.2-1] does not match $ topics with filters starting with a wildcard', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: '#', qos: 0 },
        { topicFilter: '+/x', qos: 0 },
      ],
    });
    await client.expectPacket('suback');
    started.broker.publishMessage({ topic: '$internal/x', payload: text('hidden'), qos: 0, retain: false });
    started.broker.publishMessage({ topic: 'plain/x', payload: text('seen'), qos: 0, retain: false });
    expect((await client.expectPacket('publish')).topic).toBe('plain/x');
    expect(await client.expectNoPacket(200)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-3.3.2-3] [MQTT-4.7.3-4] matches topic filters exactly, without normalization', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'Case/ü/+', qos: 0 }] });
    await client.expectPacket('suback');
    await publishAll(started.port, [
      publish('case/ü/a', 'no'),
      publish('Case/u/a', 'no'),
      publish('Case/ü/a', 'yes'),
    ]);
    const got = await client.expectPacket('publish');
    expect(got.topic).toBe('Case/ü/a');
    expect(await client.expectNoPacket(200)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.13.1-1] disconnects a v5 client that subscribes to an invalid filter with 0x8F', async () => {
    started = await startBroker();
    for (const filter of ['a/#/b', 'a+']) {
      const { client } = await RawClient.connect(started.port, { clientId: 's5', protocolVersion: 5 });
      client.writeRaw(rawSubscribe(5, filter, 0));
      expect(await client.nextPacket()).toMatchObject({
        type: 'disconnect',
        reasonCode: ReasonCode.TopicFilterInvalid,
      });
      await client.closed();
    }
  });

  it('[MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.8.0-1] closes a 3.1.1 connection that subscribes to an invalid filter', async () => {
    started = await startBroker();
    for (const filter of ['a/#/b', 'a+']) {
      const { client } = await RawClient.connect(started.port, { clientId: 's4' });
      client.writeRaw(rawSubscribe(4, filter, 0));
      await client.closed();
    }
  });

  it('refuses subscriptions beyond maxSubscriptionsPerClient with Quota exceeded', async () => {
    started = await startBroker({ limits: { maxSubscriptionsPerClient: 1 } });
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: 'one', qos: 0 },
        { topicFilter: 'two', qos: 0 },
      ],
    });
    expect(await client.nextPacket()).toEqual({
      type: 'suback',
      packetId: 1,
      reasonCodes: [0, ReasonCode.QuotaExceeded],
    });
    await client.end();
  });

  it('[MQTT-3.10.4-4] [MQTT-3.10.4-5] [MQTT-3.11.3-1] [MQTT-3.11.3-2] [MQTT-3.10.4-6] answers UNSUBSCRIBE with per-filter codes in order (v5)', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'here', qos: 0 }] });
    await client.expectPacket('suback');
    client.send({ type: 'unsubscribe', packetId: 7, topicFilters: ['missing', 'here'] });
    expect(await client.nextPacket()).toEqual({
      type: 'unsuback',
      packetId: 7,
      reasonCodes: [ReasonCode.NoSubscriptionExisted, ReasonCode.Success],
    });
    await client.end();
  });

  it('[MQTT-3.10.4-1] [MQTT-3.10.4-2] stops delivery after UNSUBSCRIBE, comparing filters character by character (3.1.1)', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: 'u/+', qos: 0 },
        { topicFilter: 'u/#', qos: 0 },
      ],
    });
    await client.expectPacket('suback');
    client.send({ type: 'unsubscribe', packetId: 2, topicFilters: ['u/+', 'u/never'] });
    expect(await client.nextPacket()).toEqual({ type: 'unsuback', packetId: 2, reasonCodes: [] });
    client.send({ type: 'unsubscribe', packetId: 3, topicFilters: ['u/#'] });
    await client.expectPacket('unsuback');
    await publishAll(started.port, [publish('u/x', 'late')]);
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-3.10.4-3] completes a QoS 1 delivery already started when the subscription is removed', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'inflight', qos: 1 }] });
    await client.expectPacket('suback');
    await publishAll(started.port, [publish('inflight', 'x', 1)]);
    const got = await client.expectPacket('publish');
    client.send({ type: 'unsubscribe', packetId: 2, topicFilters: ['inflight'] });
    await client.expectPacket('unsuback');
    client.send({ type: 'puback', packetId: got.packetId! });
    expect(started.broker.sessions.get('s')?.inflight.size).toBe(1);
    client.send({ type: 'pingreq' });
    await client.expectPacket('pingresp');
    expect(started.broker.sessions.get('s')?.inflight.size).toBe(0);
    await client.end();
  });
});

describe('shared subscriptions', () => {
  it('[MQTT-4.8.2-3] [MQTT-4.8.2-1] [MQTT-4.8.2-2] delivers each message to one member of a share group', async () => {
    started = await startBroker();
    const members = await Promise.all(
      ['m1', 'm2'].map(async (clientId) => {
        const { client } = await RawClient.connect(started!.port, { clientId, protocolVersion: 5 });
        client.send({
          type: 'subscribe',
          packetId: 1,
          subscriptions: [{ topicFilter: '$share/g/jobs/+', qos: 1 }],
        });
        expect(await client.nextPacket()).toMatchObject({ type: 'suback', reasonCodes: [1] });
        return client;
      }),
    );
    await publishAll(
      started.port,
      [1, 2, 3, 4].map((i) => publish('jobs/a', String(i), 1, i)),
    );
    const counts = await Promise.all(
      members.map(async (m) => {
        let n = 0;
        for (;;) {
          const p = await m.expectNoPacket(300);
          if (!p) return n;
          if (p.type === 'publish') {
            expect(p.qos).toBe(1);
            m.send({ type: 'puback', packetId: p.packetId! });
            n++;
          }
        }
      }),
    );
    expect(counts[0]! + counts[1]!).toBe(4);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    for (const m of members) await m.end();
  });

  it('[MQTT-3.8.3-4] treats No Local on a shared subscription as a protocol error', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    client.writeRaw(rawSubscribe(5, '$share/g/x', 0x04));
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.ProtocolError,
    });
    await client.closed();
  });

  it('does not send retained messages for a shared subscription', async () => {
    started = await startBroker();
    started.broker.publishMessage({ topic: 'sr', payload: text('kept'), qos: 0, retain: true });
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: '$share/g/sr', qos: 0 }] });
    await client.expectPacket('suback');
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-4.8.2-4] queues a shared message for a disconnected member and completes it on reconnect', async () => {
    started = await startBroker();
    const options = {
      clientId: 'only',
      protocolVersion: 5 as const,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    };
    const first = await RawClient.connect(started.port, options);
    first.client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: '$share/g/q', qos: 1 }],
    });
    await first.client.expectPacket('suback');
    await first.client.end();
    await publishAll(started.port, [publish('q', 'waiting', 1)]);
    const second = await RawClient.connect(started.port, options);
    expect(str((await second.client.expectPacket('publish')).payload)).toBe('waiting');
    await second.client.end();
  });
});

describe('topic matching', () => {
  it('[MQTT-1.5.4-3] [MQTT-1.5.3-3] keeps a leading U+FEFF in topics: no stripping, no match without it', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: '\uFEFFbom', qos: 0 }] });
    await client.expectPacket('suback');
    await publishAll(started.port, [publish('bom', 'plain'), publish('\uFEFFbom', 'marked')]);
    const got = await client.expectPacket('publish');
    expect(got.topic).toBe('\uFEFFbom');
    expect(str(got.payload)).toBe('marked');
    expect(await client.expectNoPacket(200)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-4.8.2-5] drops a shared message queued for a member whose session ends before it reconnects', async () => {
    started = await startBroker();
    const member = await RawClient.connect(started.port, {
      clientId: 'gone',
      protocolVersion: 5,
      cleanStart: false,
      properties: { sessionExpiryInterval: 1 },
    });
    member.client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: '$share/g/sq', qos: 1 }],
    });
    await member.client.expectPacket('suback');
    await member.client.end();
    await publishAll(started.port, [publish('sq', 'orphan', 1)]);
    expect(started.broker.sessions.get('gone')?.queue.length).toBe(1);
    await until(() => !started!.broker.sessions.has('gone'));
    const { client: other } = await RawClient.connect(started.port, {
      clientId: 'other',
      protocolVersion: 5,
    });
    other.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: '$share/g/sq', qos: 1 }] });
    await other.expectPacket('suback');
    expect(await other.expectNoPacket(300)).toBeUndefined();
    await other.end();
  });
});

describe('one large SUBSCRIBE', () => {
  it('lets other clients be served while it handles 20,000 filters', async () => {
    let other: RawClient | undefined;
    let checked = 0;
    started = await startBroker({
      limits: { maxSubscriptionsPerClient: 100_000 },
      auth: {
        // Halfway through the big SUBSCRIBE, another client pings: its answer must not wait for the rest.
        authorizeSubscribe: () => {
          if (++checked === 10_000) other?.send({ type: 'pingreq' });
          return true;
        },
      },
    });
    const { client: big } = await RawClient.connect(started.port, { clientId: 'big' });
    other = (await RawClient.connect(started.port, { clientId: 'other' })).client;
    const order: string[] = [];
    big.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: Array.from({ length: 20_000 }, (_, i) => ({ topicFilter: `f/${i}`, qos: 0 as const })),
    });
    await Promise.all([
      other.expectPacket('pingresp', 10_000).then(() => order.push('pingresp')),
      big.expectPacket('suback', 10_000).then(() => order.push('suback')),
    ]);
    expect(order).toEqual(['pingresp', 'suback']);
  }, 20_000);
});
