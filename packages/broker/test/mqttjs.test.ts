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
