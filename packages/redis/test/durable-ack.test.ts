import { type Broker, createBroker } from '@mq/broker';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { RedisPersistence } from '../src/index.js';
import { RawClient } from './raw-client.js';

/*
 * Redis writes are asynchronous, so the broker must not acknowledge a message before Redis holds it:
 * otherwise a broker crash right after PUBACK loses a message the publisher will never resend. The server
 * is frozen with SIGSTOP to hold its writes, as a stalled network would.
 */
describe.runIf(hasSystemPeer('redis-server'))('acknowledgements wait for Redis', () => {
  let server: RedisHandle;
  let broker: Broker | undefined;
  let persistence: RedisPersistence | undefined;
  let prefixes = 0;

  beforeAll(async () => {
    server = await startRedis();
  });

  afterEach(async () => {
    server.resume();
    await broker?.close();
    await persistence?.close();
    broker = undefined;
    persistence = undefined;
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function start(): Promise<number> {
    persistence = new RedisPersistence({ redis: server.url, prefix: `durable${++prefixes}:` });
    broker = createBroker({
      listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
      persistence,
      sys: { enabled: false },
    });
    const [address] = await broker.listen();
    return address!.port;
  }

  /** A raw MQTT 5 publisher, connected. */
  async function publisher(port: number, clientId: string): Promise<RawClient> {
    const pub = await RawClient.open(port);
    pub.send({
      type: 'connect',
      protocolVersion: 5,
      protocolName: 'MQTT',
      clientId,
      cleanStart: true,
      keepAlive: 60,
    });
    await pub.until((p) => p.type === 'connack', 'CONNACK');
    return pub;
  }

  function publishQos1(pub: RawClient, topic: string, packetId: number): void {
    const payload = new TextEncoder().encode(topic);
    pub.send({ type: 'publish', topic, qos: 1, packetId, retain: false, dup: false, payload });
  }

  /** A persistent session with a QoS 1 subscription, left without a connection. */
  async function awaySubscriber(port: number): Promise<void> {
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'away',
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
      reconnectPeriod: 0,
    });
    await sub.subscribeAsync('durable/#', { qos: 1 });
    await sub.endAsync();
    await persistence!.flush();
  }

  it('[MQTT-4.3.2-2] holds PUBACK while Redis has not stored the message for an absent subscriber', async () => {
    const port = await start();
    await awaySubscriber(port);
    const pub = await publisher(port, 'pub');
    server.pause();
    publishQos1(pub, 'durable/1', 9);
    await expect(pub.until((p) => p.type === 'puback', 'PUBACK', 400)).rejects.toThrow(/timed out/);
    server.resume();
    expect(await pub.until((p) => p.type === 'puback', 'PUBACK')).toMatchObject({ packetId: 9 });
    const stored = await persistence!.listOutgoing('away');
    expect(stored.map((e) => e.delivery.message.topic)).toEqual(['durable/1']);
    pub.destroy();
  });

  it('acknowledges at once while nothing waits to be written, even with Redis frozen', async () => {
    const port = await start();
    const pub = await publisher(port, 'pub2');
    server.pause();
    publishQos1(pub, 'nobody/listens', 10);
    expect(await pub.until((p) => p.type === 'puback', 'PUBACK', 2000)).toMatchObject({ packetId: 10 });
    server.resume();
    pub.destroy();
  });
});
