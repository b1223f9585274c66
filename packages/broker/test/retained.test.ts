import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, str, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

const retained = (topic: string, payload: string, qos: 0 | 1 = 0, retain = true) =>
  ({
    type: 'publish',
    topic,
    payload: text(payload),
    qos,
    retain,
    dup: false,
    ...(qos && { packetId: 1 }),
  }) as const;

async function publishAndWait(port: number, packets: ReturnType<typeof retained>[], version: 4 | 5 = 4) {
  const { client } = await RawClient.connect(port, { clientId: 'pub', protocolVersion: version });
  for (const p of packets) client.send(p);
  client.send({ type: 'pingreq' });
  // PINGRESP comes after everything sent before it was processed.
  for (;;) if ((await client.nextPacket()).type === 'pingresp') break;
  await client.end();
}

async function subscribe(
  client: RawClient,
  topicFilter: string,
  options: { retainHandling?: 0 | 1 | 2; retainAsPublished?: boolean; qos?: 0 | 1 | 2 } = {},
) {
  client.send({
    type: 'subscribe',
    packetId: 1,
    subscriptions: [{ topicFilter, qos: options.qos ?? 1, ...options }],
  });
  await client.expectPacket('suback');
}

describe('retained messages', () => {
  it('[MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8] sends the last retained message per topic with RETAIN 1 on subscribe', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [
      retained('r/a', 'old'),
      retained('r/a', 'new'),
      retained('r/b', 'b'),
    ]);
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    await subscribe(client, 'r/#');
    const got = [await client.expectPacket('publish'), await client.expectPacket('publish')];
    expect(got.map((p) => [p.topic, str(p.payload), p.retain]).sort()).toEqual([
      ['r/a', 'new', true],
      ['r/b', 'b', true],
    ]);
    await client.end();
  });

  it('[MQTT-3.3.1-10] [MQTT-3.3.1-11] [MQTT-3.3.1-6] [MQTT-3.3.1-7] forwards an empty retained message and deletes the stored one', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [retained('gone', 'x')]);
    const { client: live } = await RawClient.connect(started.port, { clientId: 'live' });
    await subscribe(live, 'gone');
    await live.expectPacket('publish');
    await publishAndWait(started.port, [retained('gone', '')]);
    const forwarded = await live.expectPacket('publish');
    expect(forwarded.payload.length).toBe(0);
    const { client: late } = await RawClient.connect(started.port, { clientId: 'late' });
    await subscribe(late, 'gone');
    expect(await late.expectNoPacket(300)).toBeUndefined();
    expect(await started.broker.persistence.countRetained()).toBe(0);
    await live.end();
    await late.end();
  });

  it('[MQTT-3.3.1-12] [MQTT-3.3.1-8] does not store or replace anything for RETAIN 0', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [retained('keep', 'kept'), retained('keep', 'live only', 0, false)]);
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    await subscribe(client, 'keep');
    expect(str((await client.expectPacket('publish')).payload)).toBe('kept');
    await client.end();
  });

  it('[MQTT-3.3.1-7] stores a QoS 0 retained message as the new retained message (3.1.1)', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [retained('q0', 'one', 1), retained('q0', 'two', 0)]);
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    await subscribe(client, 'q0');
    expect(await client.expectPacket('publish')).toMatchObject({ qos: 0, retain: true });
    await client.end();
  });

  it('[MQTT-3.3.1-9] clears RETAIN when forwarding to an established 3.1.1 subscription', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's' });
    await subscribe(client, 'live');
    await publishAndWait(started.port, [retained('live', 'x')]);
    expect(await client.expectPacket('publish')).toMatchObject({ retain: false });
    await client.end();
  });

  it('[MQTT-3.1.2-7] keeps retained messages when the publishing session ends (3.1.1)', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [retained('stay', 'x')]);
    expect(await started.broker.persistence.countRetained()).toBe(1);
  });

  it('[MQTT-3.3.1-9] [MQTT-3.8.4-4] Retain Handling 0 sends retained messages on every subscribe', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [retained('rh', 'x')]);
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    await subscribe(client, 'rh', { retainHandling: 0 });
    await client.expectPacket('publish');
    await subscribe(client, 'rh', { retainHandling: 0 });
    expect(await client.expectPacket('publish')).toMatchObject({ topic: 'rh', retain: true });
    await client.end();
  });

  it('[MQTT-3.3.1-10] Retain Handling 1 sends retained messages only for a new subscription', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [retained('rh1', 'x')]);
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    await subscribe(client, 'rh1', { retainHandling: 1 });
    await client.expectPacket('publish');
    await subscribe(client, 'rh1', { retainHandling: 1 });
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-3.3.1-11] Retain Handling 2 sends no retained messages', async () => {
    started = await startBroker();
    await publishAndWait(started.port, [retained('rh2', 'x')]);
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    await subscribe(client, 'rh2', { retainHandling: 2 });
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await client.end();
  });

  it('[MQTT-3.3.1-12] [MQTT-3.3.1-13] Retain As Published keeps the RETAIN flag when forwarding', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    await subscribe(client, 'rap/yes', { retainAsPublished: true, retainHandling: 2 });
    await subscribe(client, 'rap/no', { retainAsPublished: false, retainHandling: 2 });
    await publishAndWait(started.port, [retained('rap/yes', 'a'), retained('rap/no', 'b')], 5);
    const got = [await client.expectPacket('publish'), await client.expectPacket('publish')];
    expect(got.map((p) => [p.topic, p.retain])).toEqual([
      ['rap/yes', true],
      ['rap/no', false],
    ]);
    await client.end();
  });

  it('[MQTT-3.3.2-5] does not send a retained message whose Message Expiry Interval has passed', async () => {
    started = await startBroker();
    started.broker.publishMessage({
      topic: 'exp',
      payload: text('x'),
      qos: 0,
      retain: true,
      expiresAt: Date.now() - 1,
    });
    const { client } = await RawClient.connect(started.port, { clientId: 's', protocolVersion: 5 });
    await subscribe(client, 'exp');
    expect(await client.expectNoPacket(300)).toBeUndefined();
    await client.end();
  });

  it('stores a retained message detached from the socket chunk it arrived in', async () => {
    started = await startBroker();
    // Several packets in one chunk: each payload arrives as a view of that chunk.
    const { client } = await RawClient.connect(started.port, { clientId: 'pub' });
    const big = new Uint8Array(60_000).fill(120);
    client.send(retained('keep', 'small'));
    client.send({ type: 'publish', topic: 'bulk', payload: big, qos: 0, retain: false, dup: false });
    client.send({ type: 'pingreq' });
    await client.expectPacket('pingresp');
    const [stored] = await started.broker.persistence.matchRetained('keep');
    expect(str(stored!.payload)).toBe('small');
    // A copy of its own: a small retained message never pins a large buffer.
    expect(stored!.payload.buffer.byteLength).toBe(stored!.payload.length);
    await client.end();
  });
});
