import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { collectMessages, endClient, mqttConnect, type Started, startBroker } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

for (const protocolVersion of [4, 5] as const) {
  describe(`MQTT.js v${protocolVersion}`, () => {
    it('[MQTT-4.3.1-1] [MQTT-4.3.2-1] [MQTT-4.3.3-1] [MQTT-7.0.0-2] [MQTT-4.1.0-2] delivers QoS 0, 1 and 2 at the subscribed QoS', async () => {
      started = await startBroker();
      const sub = await mqttConnect(started.port, { protocolVersion, clientId: `sub${protocolVersion}` });
      const pub = await mqttConnect(started.port, { protocolVersion, clientId: `pub${protocolVersion}` });
      const got = collectMessages(sub);
      await sub.subscribeAsync('t/#', { qos: 2 });
      await pub.publishAsync('t/0', 'zero', { qos: 0 });
      await pub.publishAsync('t/1', 'one', { qos: 1 });
      await pub.publishAsync('t/2', 'two', { qos: 2 });
      await got.waitForCount(3);
      expect(got.messages.map((m) => [m.topic, m.payload, m.packet.qos])).toEqual([
        ['t/0', 'zero', 0],
        ['t/1', 'one', 1],
        ['t/2', 'two', 2],
      ]);
      await endClient(pub);
      await endClient(sub);
    });

    it('[MQTT-3.8.4-8] [MQTT-3.8.4-6] delivers at the minimum of published and granted QoS', async () => {
      started = await startBroker();
      const sub = await mqttConnect(started.port, { protocolVersion });
      const pub = await mqttConnect(started.port, { protocolVersion });
      const got = collectMessages(sub);
      await sub.subscribeAsync('m', { qos: 1 });
      await pub.publishAsync('m', 'x', { qos: 2 });
      await got.waitForCount(1);
      expect(got.messages[0]?.packet.qos).toBe(1);
      await endClient(pub);
      await endClient(sub);
    });

    it('[MQTT-3.3.1-6] [MQTT-3.3.1-8] sends the retained message to a new subscriber with RETAIN set', async () => {
      started = await startBroker();
      const pub = await mqttConnect(started.port, { protocolVersion });
      await pub.publishAsync('r/1', 'kept', { qos: 1, retain: true });
      const sub = await mqttConnect(started.port, { protocolVersion });
      const got = collectMessages(sub);
      await sub.subscribeAsync('r/+', { qos: 1 });
      await got.waitForCount(1);
      expect(got.messages[0]).toMatchObject({ topic: 'r/1', payload: 'kept' });
      expect(got.messages[0]?.packet.retain).toBe(true);
      await endClient(pub);
      await endClient(sub);
    });

    it('[MQTT-3.1.2-8] publishes the will when the connection drops without DISCONNECT', async () => {
      started = await startBroker();
      const watcher = await mqttConnect(started.port, { protocolVersion });
      const got = collectMessages(watcher);
      await watcher.subscribeAsync('will/+', { qos: 1 });
      const dying = await mqttConnect(started.port, {
        protocolVersion,
        clientId: 'dying',
        will: { topic: 'will/dying', payload: Buffer.from('gone'), qos: 1, retain: false },
      });
      dying.stream.destroy();
      await got.waitForCount(1);
      expect(got.messages[0]).toMatchObject({ topic: 'will/dying', payload: 'gone' });
      await endClient(dying, true);
      await endClient(watcher);
    });

    it('[MQTT-3.1.2-4] [MQTT-3.1.2-5] keeps subscriptions and queued QoS 1 messages of a persistent session', async () => {
      started = await startBroker();
      const sessionOptions =
        protocolVersion === 5
          ? { protocolVersion, clientId: 'keeper', clean: false, properties: { sessionExpiryInterval: 300 } }
          : { protocolVersion, clientId: 'keeper', clean: false };
      const first = await mqttConnect(started.port, sessionOptions);
      await first.subscribeAsync('q/#', { qos: 1 });
      await endClient(first);
      const pub = await mqttConnect(started.port, { protocolVersion });
      await pub.publishAsync('q/a', 'while-away', { qos: 1 });
      const second = mqtt.connect({
        host: '127.0.0.1',
        port: started.port,
        reconnectPeriod: 0,
        ...sessionOptions,
      });
      const got = collectMessages(second);
      const connack = await new Promise<mqtt.IConnackPacket>((resolve) => second.once('connect', resolve));
      expect(connack.sessionPresent).toBe(true);
      await got.waitForCount(1);
      expect(got.messages[0]).toMatchObject({ topic: 'q/a', payload: 'while-away' });
      await endClient(pub);
      await endClient(second);
    });
  });
}

describe('MQTT.js v5 features', () => {
  it('[MQTT-3.3.2-12] accepts the topic aliases MQTT.js assigns (autoAssignTopicAlias)', async () => {
    started = await startBroker();
    const sub = await mqttConnect(started.port, { protocolVersion: 5 });
    const got = collectMessages(sub);
    await sub.subscribeAsync('alias/#', { qos: 1 });
    const pub = await mqttConnect(started.port, { protocolVersion: 5, autoAssignTopicAlias: true });
    for (let i = 0; i < 3; i++) await pub.publishAsync('alias/long/topic', String(i), { qos: 1 });
    await got.waitForCount(3);
    expect(got.messages.map((m) => [m.topic, m.payload])).toEqual([
      ['alias/long/topic', '0'],
      ['alias/long/topic', '1'],
      ['alias/long/topic', '2'],
    ]);
    await endClient(pub);
    await endClient(sub);
  });

  it('[MQTT-3.3.2-11] sends MQTT.js outbound aliases it resolves (client Topic Alias Maximum)', async () => {
    started = await startBroker();
    const sub = await mqttConnect(started.port, { protocolVersion: 5, properties: { topicAliasMaximum: 4 } });
    const got = collectMessages(sub);
    await sub.subscribeAsync('out/#', { qos: 0 });
    for (let i = 0; i < 4; i++) {
      started.broker.publishMessage({
        topic: 'out/repeated',
        payload: Buffer.from(String(i)),
        qos: 0,
        retain: false,
      });
    }
    await got.waitForCount(4);
    expect(got.messages.map((m) => m.topic)).toEqual(Array(4).fill('out/repeated'));
    expect(got.messages.some((m) => m.packet.properties?.topicAlias !== undefined)).toBe(true);
    await endClient(sub);
  });

  it('[MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] carries response topic, correlation data and user properties for request/response', async () => {
    started = await startBroker();
    const responder = await mqttConnect(started.port, { protocolVersion: 5 });
    await responder.subscribeAsync('service/request', { qos: 1 });
    responder.on('message', (_topic, payload, packet) => {
      const props = packet.properties ?? {};
      void responder.publishAsync(props.responseTopic!, `echo:${payload}`, {
        qos: 1,
        properties: { correlationData: props.correlationData, userProperties: props.userProperties },
      });
    });
    const requester = await mqttConnect(started.port, { protocolVersion: 5 });
    const got = collectMessages(requester);
    await requester.subscribeAsync('reply/me', { qos: 1 });
    await requester.publishAsync('service/request', 'ping', {
      qos: 1,
      properties: {
        responseTopic: 'reply/me',
        correlationData: Buffer.from([7, 7]),
        userProperties: { trace: 'abc' },
      },
    });
    await got.waitForCount(1);
    const reply = got.messages[0]!;
    expect(reply.payload).toBe('echo:ping');
    expect([...(reply.packet.properties?.correlationData ?? [])]).toEqual([7, 7]);
    expect(reply.packet.properties?.userProperties).toEqual({ trace: 'abc' });
    await endClient(requester);
    await endClient(responder);
  });

  it('[MQTT-3.3.4-3] [MQTT-3.8.3-3] honours subscription identifiers, No Local and Retain Handling from MQTT.js', async () => {
    started = await startBroker();
    started.broker.publishMessage({
      topic: 'opts/retained',
      payload: Buffer.from('r'),
      qos: 0,
      retain: true,
    });
    const client = await mqttConnect(started.port, { protocolVersion: 5, clientId: 'opts' });
    const got = collectMessages(client);
    await client.subscribeAsync('opts/#', {
      qos: 1,
      nl: true,
      rh: 2,
      properties: { subscriptionIdentifier: 42 },
    });
    await client.publishAsync('opts/own', 'mine', { qos: 1 });
    started.broker.publishMessage({
      topic: 'opts/other',
      payload: Buffer.from('theirs'),
      qos: 1,
      retain: false,
    });
    await got.waitForCount(1);
    expect(got.messages.map((m) => m.topic)).toEqual(['opts/other']);
    const ids = got.messages[0]!.packet.properties?.subscriptionIdentifier;
    expect(Array.isArray(ids) ? ids : [ids]).toEqual([42]);
    await endClient(client);
  });

  it('[MQTT-4.8.2-3] shares a $share group between MQTT.js clients', async () => {
    started = await startBroker();
    const a = await mqttConnect(started.port, { protocolVersion: 5 });
    const b = await mqttConnect(started.port, { protocolVersion: 5 });
    const gotA = collectMessages(a);
    const gotB = collectMessages(b);
    await a.subscribeAsync('$share/workers/jobs', { qos: 1 });
    await b.subscribeAsync('$share/workers/jobs', { qos: 1 });
    const pub = await mqttConnect(started.port, { protocolVersion: 5 });
    for (let i = 0; i < 10; i++) await pub.publishAsync('jobs', String(i), { qos: 1 });
    const deadline = Date.now() + 5000;
    while (gotA.messages.length + gotB.messages.length < 10 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const all = [...gotA.messages, ...gotB.messages].map((m) => Number(m.payload)).sort((x, y) => x - y);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gotA.messages.length).toBeGreaterThan(0);
    expect(gotB.messages.length).toBeGreaterThan(0);
    await endClient(pub);
    await endClient(a);
    await endClient(b);
  });

  it('tells MQTT.js v5 clients the server is shutting down (DISCONNECT 0x8B)', async () => {
    started = await startBroker();
    const client = await mqttConnect(started.port, { protocolVersion: 5 });
    const disconnect = new Promise<number | undefined>((resolve) =>
      client.once('disconnect', (packet) => resolve(packet.reasonCode)),
    );
    await started.close();
    expect(await disconnect).toBe(0x8b);
    await endClient(client, true);
  });

  it('serves MQTT.js in MQTT 3.1 mode (MQIsdp)', async () => {
    started = await startBroker();
    const client = await mqttConnect(started.port, {
      protocolVersion: 3,
      protocolId: 'MQIsdp',
      clientId: 'old31',
    });
    const got = collectMessages(client);
    await client.subscribeAsync('v31', { qos: 1 });
    await client.publishAsync('v31', 'hello', { qos: 1 });
    await got.waitForCount(1);
    expect(got.messages[0]?.payload).toBe('hello');
    await endClient(client);
  });

  it('[MQTT-4.3.3-10] handles a burst of 300 QoS 2 publishes from MQTT.js with default limits', async () => {
    started = await startBroker();
    const sub = await mqttConnect(started.port, { protocolVersion: 5 });
    const got = collectMessages(sub);
    await sub.subscribeAsync('burst', { qos: 2 });
    const pub = await mqttConnect(started.port, { protocolVersion: 5 });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => pub.publishAsync('burst', String(i), { qos: 2 })),
    );
    await got.waitForCount(300, 15_000);
    expect(got.messages.map((m) => Number(m.payload))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await endClient(pub);
    await endClient(sub);
  });
});
