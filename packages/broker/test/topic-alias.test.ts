import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

const publish = (topic: string, topicAlias?: number) =>
  ({
    type: 'publish',
    topic,
    payload: text('x'),
    qos: 0,
    retain: false,
    dup: false,
    ...(topicAlias !== undefined && { properties: { topicAlias } }),
  }) as const;

describe('topic aliases', () => {
  it('[MQTT-3.3.2-12] resolves inbound topic aliases the client sets', async () => {
    started = await startBroker({ limits: { topicAliasMaximum: 4 } });
    const { client: sub } = await RawClient.connect(started.port, { clientId: 'sub' });
    sub.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'long/topic/name', qos: 0 }] });
    await sub.expectPacket('suback');
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub', protocolVersion: 5 });
    pub.send(publish('long/topic/name', 4));
    pub.send(publish('', 4));
    expect((await sub.expectPacket('publish')).topic).toBe('long/topic/name');
    expect((await sub.expectPacket('publish')).topic).toBe('long/topic/name');
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.2.2-17] disconnects with 0x94 a client using an alias above the maximum', async () => {
    started = await startBroker({ limits: { topicAliasMaximum: 2 } });
    const { client } = await RawClient.connect(started.port, { clientId: 'c', protocolVersion: 5 });
    client.send(publish('t', 3));
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.TopicAliasInvalid,
    });
    await client.closed();
  });

  it('[MQTT-3.3.2-8] disconnects with 0x94 a client sending Topic Alias 0', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'c', protocolVersion: 5 });
    // PUBLISH QoS 0, topic "t", properties: Topic Alias (0x23) = 0
    client.writeRaw([0x30, 0x08, 0x00, 0x01, 0x74, 0x03, 0x23, 0x00, 0x00, 0x78]);
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.TopicAliasInvalid,
    });
    await client.closed();
  });

  it('[MQTT-3.3.2-7] does not carry topic aliases over to a new connection', async () => {
    started = await startBroker();
    const first = await RawClient.connect(started.port, { clientId: 'c', protocolVersion: 5 });
    first.client.send(publish('remembered', 1));
    await first.client.end();
    const { client } = await RawClient.connect(started.port, { clientId: 'c', protocolVersion: 5 });
    client.send(publish('', 1));
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.ProtocolError,
    });
    await client.closed();
  });

  it('[MQTT-3.3.2-11] [MQTT-3.1.2-26] assigns outbound aliases within the client maximum to repeated topics', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, {
      clientId: 'c',
      protocolVersion: 5,
      properties: { topicAliasMaximum: 1 },
    });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'rep/#', qos: 0 }] });
    await client.expectPacket('suback');
    for (const t of ['rep/a', 'rep/a', 'rep/a', 'rep/b', 'rep/b', 'rep/b']) {
      started.broker.publishMessage({ topic: t, payload: text('x'), qos: 0, retain: false });
    }
    const got = [];
    for (let i = 0; i < 6; i++) {
      const p = await client.expectPacket('publish');
      got.push([p.topic, p.properties?.topicAlias]);
    }
    expect(got).toEqual([
      ['rep/a', undefined],
      ['rep/a', 1],
      ['', 1],
      ['rep/b', undefined],
      ['rep/b', 1],
      ['', 1],
    ]);
    await client.end();
  });

  it('[MQTT-3.1.2-27] sends no topic aliases to a client that allows none', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'c', protocolVersion: 5 });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'n', qos: 0 }] });
    await client.expectPacket('suback');
    for (let i = 0; i < 3; i++)
      started.broker.publishMessage({ topic: 'n', payload: text('x'), qos: 0, retain: false });
    for (let i = 0; i < 3; i++) {
      const p = await client.expectPacket('publish');
      expect(p.topic).toBe('n');
      expect(p.properties?.topicAlias).toBeUndefined();
    }
    await client.end();
  });
});
