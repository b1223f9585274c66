import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPersistence } from '../src/index.js';
import { RawClient, type Started, startBroker, str, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

async function watcher(port: number, filter = 'will/#') {
  const { client } = await RawClient.connect(port, { clientId: 'watcher', protocolVersion: 5 });
  client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: filter, qos: 2 }] });
  await client.expectPacket('suback');
  return client;
}

const will = (topic: string, payload: string, extra: { qos?: 0 | 1 | 2; retain?: boolean } = {}) => ({
  topic,
  payload: text(payload),
  qos: extra.qos ?? 0,
  retain: extra.retain ?? false,
});

describe('will messages', () => {
  it('[MQTT-3.1.2-8] [MQTT-3.1.2-16] [MQTT-3.1.2-14] publishes the will as non-retained when the socket closes without DISCONNECT', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'dies',
      will: will('will/a', 'bye', { qos: 1 }),
    });
    client.destroy();
    const got = await w.expectPacket('publish');
    expect(got).toMatchObject({ topic: 'will/a', qos: 1, retain: false });
    expect(str(got.payload)).toBe('bye');
    await w.end();
  });

  it('never publishes a will on a $SYS topic (retained or not), as it drops a client PUBLISH there', async () => {
    started = await startBroker({ sys: { enabled: true, intervalMs: 60_000 } });
    const subscriber = async (clientId: string, topicFilter: string) => {
      const { client } = await RawClient.connect(started!.port, { clientId, protocolVersion: 5 });
      client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter, qos: 1 }] });
      await client.expectPacket('suback');
      return client;
    };
    const { client: forger } = await RawClient.connect(started.port, {
      clientId: 'forger',
      will: will('$SYS/broker/version', 'forged', { retain: true }),
    });
    const { client: honest } = await RawClient.connect(started.port, {
      clientId: 'honest',
      will: will('will/honest', 'gone'),
    });
    const sys = await subscriber('sys-watcher', '$SYS/broker/version');
    expect(str((await sys.expectPacket('publish')).payload)).not.toBe('forged'); // the broker's own, retained
    const wills = await subscriber('will-watcher', 'will/#');
    forger.destroy();
    honest.destroy();
    // The honest will arrives; the forged one never does, live or retained.
    expect((await wills.expectPacket('publish')).topic).toBe('will/honest');
    expect(await sys.expectNoPacket(300)).toBeUndefined();
    const late = await subscriber('late-watcher', '$SYS/broker/version');
    expect(str((await late.expectPacket('publish')).payload)).not.toBe('forged');
    await Promise.all([sys.end(), wills.end(), late.end()]);
  });

  it('[MQTT-3.1.2-10] [MQTT-3.14.4-3] does not publish the will after a normal DISCONNECT', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'polite',
      will: will('will/b', 'bye'),
    });
    client.send({ type: 'disconnect' });
    await client.closed();
    expect(await w.expectNoPacket(300)).toBeUndefined();
    await w.end();
  });

  it('publishes the will after a v5 DISCONNECT with reason 0x04', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'asks',
      protocolVersion: 5,
      will: will('will/c', 'please'),
    });
    client.send({ type: 'disconnect', reasonCode: ReasonCode.DisconnectWithWillMessage });
    await client.closed();
    expect(await w.expectPacket('publish')).toMatchObject({ topic: 'will/c' });
    await w.end();
  });

  it('[MQTT-3.1.2-15] [MQTT-3.1.2-17] publishes a will with Will Retain as a retained message', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, {
      clientId: 'dies',
      will: will('will/r', 'kept', { retain: true }),
    });
    client.destroy();
    await client.closed();
    const w = await watcher(started.port);
    const got = await w.expectPacket('publish');
    expect(got).toMatchObject({ topic: 'will/r', retain: true });
    await w.end();
  });

  it('[MQTT-3.1.3-10] [MQTT-3.1.2-9] passes will properties on, user properties in order', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'props',
      protocolVersion: 5,
      will: {
        ...will('will/p', '{}'),
        properties: {
          contentType: 'application/json',
          payloadFormatIndicator: 1,
          userProperties: [
            ['b', '2'],
            ['a', '1'],
            ['b', '3'],
          ],
        },
      },
    });
    client.destroy();
    const got = await w.expectPacket('publish');
    expect(got.properties).toMatchObject({
      contentType: 'application/json',
      payloadFormatIndicator: 1,
      userProperties: [
        ['b', '2'],
        ['a', '1'],
        ['b', '3'],
      ],
    });
    await w.end();
  });

  it('[MQTT-3.1.3-9] does not publish a delayed will when the session reconnects before the delay', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const options = {
      clientId: 'delayed',
      protocolVersion: 5 as const,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
      will: { ...will('will/d', 'late'), properties: { willDelayInterval: 2 } },
    };
    const first = await RawClient.connect(started.port, options);
    first.client.destroy();
    await first.client.closed();
    const second = await RawClient.connect(started.port, options);
    expect(second.connack).toMatchObject({ sessionPresent: true });
    expect(await w.expectNoPacket(2500)).toBeUndefined();
    await second.client.end();
    await w.end();
  });

  it('[MQTT-3.1.3-9] a resumed session deletes a will another node stored for it, so no later start publishes it', async () => {
    // One store shared by two broker lifetimes, as cluster nodes share Redis.
    const persistence = new MemoryPersistence();
    started = await startBroker({ persistence });
    const durable = {
      clientId: 'w',
      protocolVersion: 5 as const,
      cleanStart: false,
      properties: { sessionExpiryInterval: 3600 },
    };
    let { client } = await RawClient.connect(started.port, durable);
    client.send({ type: 'disconnect', reasonCode: 0 });
    await client.closed();
    // A node that held the session and died left its delayed will in the store.
    await persistence.putWill({
      clientId: 'w',
      message: { topic: 'will/w', payload: text('w is gone'), qos: 0, retain: false },
      publishAt: Date.now() + 200,
    });
    ({ client } = await RawClient.connect(started.port, durable));
    client.send({ type: 'disconnect', reasonCode: 0 });
    await client.closed();
    await started.close();
    // The next start restores what the store holds; the client came back in time, so nothing is due.
    started = await startBroker({ persistence });
    const w = await watcher(started.port);
    expect(await w.expectNoPacket(600)).toBeUndefined();
    expect(await persistence.listWills()).toEqual([]);
    await w.end();
  });

  it('[MQTT-3.1.2-8] [MQTT-3.1.2-7] publishes a delayed will when the delay passes', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'delayed2',
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 60 },
      will: { ...will('will/e', 'late'), properties: { willDelayInterval: 1 } },
    });
    client.destroy();
    const got = await w.expectPacket('publish', 5000);
    expect(got.topic).toBe('will/e');
    await w.end();
  });

  it('[MQTT-3.1.2-8] publishes a delayed will at once when the session ends first (expiry 0)', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'shortsession',
      protocolVersion: 5,
      will: { ...will('will/f', 'now'), properties: { willDelayInterval: 300 } },
    });
    client.destroy();
    expect((await w.expectPacket('publish', 2000)).topic).toBe('will/f');
    await w.end();
  });

  it('publishes the will of a client the broker disconnects for a protocol error', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'bad',
      will: will('will/g', 'err'),
    });
    client.send({
      type: 'connect',
      protocolVersion: 4,
      protocolName: 'MQTT',
      clientId: 'bad',
      cleanStart: true,
      keepAlive: 0,
    });
    await client.closed();
    expect((await w.expectPacket('publish')).topic).toBe('will/g');
    await w.end();
  });

  it('[MQTT-3.1.2-12] publishes nothing when a client without a will drops', async () => {
    started = await startBroker();
    const w = await watcher(started.port, '#');
    const { client } = await RawClient.connect(started.port, { clientId: 'nowill' });
    client.destroy();
    await client.closed();
    expect(await w.expectNoPacket(300)).toBeUndefined();
    await w.end();
  });

  it('refuses a CONNECT whose will the publish authorizer denies', async () => {
    started = await startBroker({
      auth: { authorizePublish: (ctx) => !ctx.topic.startsWith('will/forbidden') },
    });
    const v5 = await RawClient.connect(started.port, {
      clientId: 'w5',
      protocolVersion: 5,
      will: will('will/forbidden', 'x'),
    });
    expect(v5.connack).toMatchObject({ reasonCode: ReasonCode.NotAuthorized, sessionPresent: false });
    await v5.client.closed();
    const v4 = await RawClient.connect(started.port, { clientId: 'w4', will: will('will/forbidden', 'x') });
    expect(v4.connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 5 });
    await v4.client.closed();
    const ok = await RawClient.connect(started.port, { clientId: 'ok', will: will('will/fine', 'x') });
    expect(ok.connack).toMatchObject({ reasonCode: 0 });
    await ok.client.end();
  });

  it('[MQTT-3.3.2-6] starts the will Message Expiry Interval when the will is published', async () => {
    started = await startBroker();
    const w = await watcher(started.port);
    const { client } = await RawClient.connect(started.port, {
      clientId: 'expiring',
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 10 },
      will: { ...will('will/x', 'late'), properties: { willDelayInterval: 1, messageExpiryInterval: 60 } },
    });
    await new Promise((r) => setTimeout(r, 1100));
    client.destroy();
    const got = await w.expectPacket('publish', 5000);
    expect(got.properties?.messageExpiryInterval).toBe(60);
    await w.end();
  });
});
