import type { Broker } from '@mq/broker';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMosquitto, type MosquittoHandle, startMosquitto } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { type Bridge, createBridge } from '../src/index.js';
import {
  bridgeState,
  collect,
  endClient,
  FAST_RECONNECT,
  mqttConnect,
  publishMany,
  startBroker,
  until,
} from './helpers.js';

const haveMosquitto = hasSystemPeer('mosquitto');
// Mosquitto's default of 1000 queued messages per client would drop part of a 1,000-message burst.
const UNLIMITED_QUEUE = 'max_queued_messages 0';

describe.runIf(haveMosquitto)('an @mq/broker bridged to Mosquitto (MQTT 5)', () => {
  let mosquitto: MosquittoHandle | undefined;
  let local: { broker: Broker; port: number } | undefined;
  let bridge: Bridge | undefined;
  const clients: MqttClient[] = [];

  const remoteClient = async (clientId: string) => {
    const c = await mqttConnect(mosquitto!.port, { protocolVersion: 5, clientId });
    clients.push(c);
    return c;
  };
  const localClient = async (clientId: string) => {
    const c = await mqttConnect(local!.port, { protocolVersion: 5, clientId });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    mosquitto = await startMosquitto({ extraConfig: UNLIMITED_QUEUE });
    local = await startBroker();
    bridge = createBridge(local.broker, {
      url: `mqtt://127.0.0.1:${mosquitto.port}`,
      clientId: 'bridge-v5',
      reconnect: FAST_RECONNECT,
      topics: [
        { pattern: 'sensors/#', direction: 'out', qos: 1, localPrefix: 'site/', remotePrefix: 'hq/site1/' },
        { pattern: 'commands/#', direction: 'in', qos: 1, localPrefix: 'site/', remotePrefix: 'hq/site1/' },
        { pattern: 'chat/#', direction: 'both', qos: 1, localPrefix: 'local/', remotePrefix: 'remote/' },
      ],
    });
    await bridge.start();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => endClient(c)));
    await bridge?.stop();
    await local?.broker.close();
    await disposeMosquitto(mosquitto);
  });

  it('forwards a matching local message out under the remote prefix, with RETAIN and v5 properties', async () => {
    const sub = await remoteClient('hq-watcher');
    const got = collect(sub);
    await sub.subscribeAsync('hq/#', { qos: 1, rap: true });
    const pub = await localClient('sensor-pub');
    // Not under an out mapping: never forwarded (it would arrive before the next one).
    await pub.publishAsync('site/other/t', 'stays home', { qos: 1 });
    await pub.publishAsync('site/sensors/t1', '21.5', {
      qos: 1,
      retain: true,
      properties: { contentType: 'text/plain', userProperties: { unit: 'C' }, messageExpiryInterval: 600 },
    });
    await got.waitForCount(1);
    const [m] = got.messages;
    expect(m?.topic).toBe('hq/site1/sensors/t1');
    expect(m?.payload).toBe('21.5');
    expect(m?.qos).toBe(1);
    expect(m?.retain).toBe(true);
    expect(m?.packet.properties?.contentType).toBe('text/plain');
    expect(m?.packet.properties?.userProperties).toEqual({ unit: 'C' });
    const expiry = m?.packet.properties?.messageExpiryInterval ?? 0;
    expect(expiry).toBeGreaterThan(500);
    expect(expiry).toBeLessThanOrEqual(600);
    // Retained on Mosquitto too: a late subscriber gets it.
    const late = await remoteClient('hq-late');
    const lateGot = collect(late);
    await late.subscribeAsync('hq/site1/sensors/+', { qos: 1 });
    await lateGot.waitForCount(1);
    expect(lateGot.messages[0]).toMatchObject({
      topic: 'hq/site1/sensors/t1',
      payload: '21.5',
      retain: true,
    });
  });

  it('injects a remote message on an in topic locally under the local prefix', async () => {
    const sub = await localClient('site-commands');
    const got = collect(sub);
    await sub.subscribeAsync('site/commands/#', { qos: 1 });
    const pub = await remoteClient('hq-commander');
    await pub.publishAsync('hq/site1/sensors/t2', 'not in', { qos: 1 });
    await pub.publishAsync('hq/site1/other/commands', 'not mapped', { qos: 1 });
    await pub.publishAsync('hq/site1/commands/reboot', 'now', {
      qos: 1,
      properties: { correlationData: Buffer.from('c1') },
    });
    await got.waitForCount(1);
    expect(got.messages[0]).toMatchObject({ topic: 'site/commands/reboot', payload: 'now', qos: 1 });
    expect(got.messages[0]?.packet.properties?.correlationData?.toString()).toBe('c1');
  });

  it('forwards 1,000 QoS 1 messages out and 1,000 in, none lost', async () => {
    const remoteSub = await remoteClient('bulk-remote-sub');
    const outGot = collect(remoteSub);
    await remoteSub.subscribeAsync('hq/site1/sensors/bulk', { qos: 1 });
    const localSub = await localClient('bulk-local-sub');
    const inGot = collect(localSub);
    await localSub.subscribeAsync('site/commands/bulk', { qos: 1 });
    const localPub = await localClient('bulk-local-pub');
    const remotePub = await remoteClient('bulk-remote-pub');
    const [outSent, inSent] = await Promise.all([
      publishMany(localPub, 'site/sensors/bulk', 'out', 1000),
      publishMany(remotePub, 'hq/site1/commands/bulk', 'in', 1000),
    ]);
    await Promise.all([outGot.waitForPayloads(outSent, 30_000), inGot.waitForPayloads(inSent, 30_000)]);
    expect(new Set(outGot.payloads()).size).toBe(1000);
    expect(new Set(inGot.payloads()).size).toBe(1000);
    expect(outGot.messages.every((m) => m.qos === 1)).toBe(true);
  }, 60_000);

  it('both: a message from either side arrives once on the other and never echoes back', async () => {
    const localSide = await localClient('chat-local');
    const remoteSide = await remoteClient('chat-remote');
    const localGot = collect(localSide);
    const remoteGot = collect(remoteSide);
    await localSide.subscribeAsync('local/chat/#', { qos: 1, nl: true });
    await remoteSide.subscribeAsync('remote/chat/#', { qos: 1, nl: true });
    await localSide.publishAsync('local/chat/room', 'from local', { qos: 1 });
    await remoteSide.publishAsync('remote/chat/room', 'from remote', { qos: 1 });
    await remoteGot.waitForCount(1);
    await localGot.waitForCount(1);
    // A round trip each way after that: an echo would have arrived before these markers.
    await localSide.publishAsync('local/chat/end', 'marker local', { qos: 1 });
    await remoteSide.publishAsync('remote/chat/end', 'marker remote', { qos: 1 });
    await remoteGot.waitForCount(2);
    await localGot.waitForCount(2);
    expect(remoteGot.messages.map((m) => [m.topic, m.payload])).toEqual([
      ['remote/chat/room', 'from local'],
      ['remote/chat/end', 'marker local'],
    ]);
    expect(localGot.messages.map((m) => [m.topic, m.payload])).toEqual([
      ['local/chat/room', 'from remote'],
      ['local/chat/end', 'marker remote'],
    ]);
  });
});

describe.runIf(haveMosquitto)('both with MQTT 3.1.1 to Mosquitto (no No Local)', () => {
  let mosquitto: MosquittoHandle | undefined;
  let local: { broker: Broker; port: number } | undefined;
  let bridge: Bridge | undefined;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    local = await startBroker();
    bridge = createBridge(local.broker, {
      url: `mqtt://127.0.0.1:${mosquitto.port}`,
      clientId: 'bridge-v4',
      protocolVersion: 4,
      reconnect: FAST_RECONNECT,
      topics: [{ pattern: 'chat/#', direction: 'both', qos: 1 }],
    });
    await bridge.start();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => endClient(c)));
    await bridge?.stop();
    await local?.broker.close();
    await disposeMosquitto(mosquitto);
  });

  it('drops the echoes Mosquitto sends back and delivers each message once', async () => {
    const localSide = await mqttConnect(local!.port, { protocolVersion: 4, clientId: 'v4-local' });
    const remoteSide = await mqttConnect(mosquitto!.port, { protocolVersion: 4, clientId: 'v4-remote' });
    clients.push(localSide, remoteSide);
    // 3.1.1 subscribers get their own messages back too: count only the other side's.
    const localGot = collect(localSide);
    const remoteGot = collect(remoteSide);
    await localSide.subscribeAsync('chat/#', { qos: 1 });
    await remoteSide.subscribeAsync('chat/#', { qos: 1 });
    const fromLocal = await publishMany(localSide, 'chat/a', 'L', 20);
    const fromRemote = await publishMany(remoteSide, 'chat/b', 'R', 20);
    await localGot.waitForPayloads(fromRemote);
    await remoteGot.waitForPayloads(fromLocal);
    await localSide.publishAsync('chat/end', 'marker', { qos: 1 });
    await remoteGot.waitForPayloads(['marker']);
    await localGot.waitForPayloads(['marker']);
    // Each of the 21 forwarded messages comes back once from Mosquitto and is dropped.
    await until(() => bridge!.stats.echoesDropped === 21, '21 echoes dropped');
    const count = (list: string[], prefix: string) => list.filter((p) => p.startsWith(prefix)).length;
    expect(count(localGot.payloads(), 'L-')).toBe(20);
    expect(count(localGot.payloads(), 'R-')).toBe(20);
    expect(count(remoteGot.payloads(), 'L-')).toBe(20);
    expect(count(remoteGot.payloads(), 'R-')).toBe(20);
    expect(localGot.payloads().filter((p) => p === 'marker')).toHaveLength(1);
    expect(bridge!.stats.forwardedIn).toBe(20);
  });
});

describe.runIf(haveMosquitto)('the remote restarts while messages flow out', () => {
  let mosquitto: MosquittoHandle | undefined;
  let local: { broker: Broker; port: number } | undefined;
  let bridge: Bridge | undefined;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto({ persistence: true, extraConfig: UNLIMITED_QUEUE });
    local = await startBroker();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => endClient(c)));
    await bridge?.stop();
    await local?.broker.close();
    await disposeMosquitto(mosquitto);
  });

  it('delivers every QoS 1 message published locally before, during and after the outage', async () => {
    bridge = createBridge(local!.broker, {
      url: `mqtt://127.0.0.1:${mosquitto!.port}`,
      clientId: 'bridge-outage',
      reconnect: FAST_RECONNECT,
      topics: [{ pattern: 'data/#', direction: 'out', qos: 1 }],
    });
    await bridge.start();
    // The sink keeps a persistent session, so Mosquitto holds its messages across the restart too.
    const sink = await mqttConnect(mosquitto!.port, {
      protocolVersion: 5,
      clientId: 'sink',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
      reconnectPeriod: 100,
    });
    const pub = await mqttConnect(local!.port, { protocolVersion: 5, clientId: 'data-pub' });
    clients.push(sink, pub);
    const got = collect(sink);
    await sink.subscribeAsync('data/#', { qos: 1 });

    const events: string[] = [];
    bridge.on('disconnected', () => events.push('disconnected'));
    bridge.on('connected', (info) =>
      events.push(`connected session=${info.sessionPresent} reconnect=${info.reconnect}`),
    );
    const before = publishMany(pub, 'data/x', 'before', 300);
    await mosquitto!.stop();
    await bridgeState(bridge, 'reconnecting');
    const during = await publishMany(pub, 'data/x', 'during', 300);
    expect(bridge.pendingCount).toBeGreaterThan(0);
    await mosquitto!.restart();
    const after = await publishMany(pub, 'data/x', 'after', 100);
    await got.waitForPayloads([...(await before), ...during, ...after], 30_000);
    expect(new Set(got.payloads()).size).toBe(700);
    expect(bridge.stats.failedOut).toBe(0);
    // Mosquitto wrote the bridge's session to disk on SIGTERM and resumed it.
    expect(events).toEqual(['disconnected', 'connected session=true reconnect=true']);
  }, 60_000);
});

describe.runIf(haveMosquitto)('Mosquitto keeps the bridge session while the bridge is away', () => {
  let mosquitto: MosquittoHandle | undefined;
  let local: { broker: Broker; port: number } | undefined;
  const bridges: Bridge[] = [];
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => endClient(c)));
    await Promise.all(bridges.map((b) => b.stop()));
    await local?.broker.close();
    await disposeMosquitto(mosquitto);
  });

  for (const protocolVersion of [5, 4] as const) {
    it(`delivers in messages queued during the absence after the next start (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`, async () => {
      mosquitto ??= await startMosquitto({ extraConfig: UNLIMITED_QUEUE });
      local ??= await startBroker();
      const options = {
        url: `mqtt://127.0.0.1:${mosquitto.port}`,
        clientId: `away-v${protocolVersion}`,
        protocolVersion,
        reconnect: FAST_RECONNECT,
        topics: [{ pattern: `orders/v${protocolVersion}/#`, direction: 'in' as const, qos: 1 as const }],
      };
      const first = createBridge(local.broker, options);
      bridges.push(first);
      await first.start();
      await first.stop();
      const pub = await mqttConnect(mosquitto.port, {
        protocolVersion: 5,
        clientId: `orders-pub-v${protocolVersion}`,
      });
      const sub = await mqttConnect(local.port, {
        protocolVersion: 5,
        clientId: `orders-sub-v${protocolVersion}`,
      });
      clients.push(pub, sub);
      const got = collect(sub);
      await sub.subscribeAsync(`orders/v${protocolVersion}/#`, { qos: 1 });
      const sent = await publishMany(pub, `orders/v${protocolVersion}/new`, 'order', 200);
      const second = createBridge(local.broker, options);
      bridges.push(second);
      const session = new Promise<boolean>((resolve) =>
        second.once('connected', (i) => resolve(i.sessionPresent)),
      );
      await second.start();
      expect(await session).toBe(true);
      await got.waitForPayloads(sent);
      expect(got.payloads()).toEqual(sent);
    });
  }
});

describe.runIf(haveMosquitto)('the remote restarts and forgets the session', () => {
  let mosquitto: MosquittoHandle | undefined;
  let local: { broker: Broker; port: number } | undefined;
  let bridge: Bridge | undefined;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => endClient(c)));
    await bridge?.stop();
    await local?.broker.close();
    await disposeMosquitto(mosquitto);
  });

  it('subscribes again, so in topics keep flowing', async () => {
    mosquitto = await startMosquitto();
    local = await startBroker();
    bridge = createBridge(local.broker, {
      url: `mqtt://127.0.0.1:${mosquitto.port}`,
      clientId: 'bridge-forgotten',
      reconnect: FAST_RECONNECT,
      topics: [{ pattern: 'cmd/#', direction: 'in', qos: 1, localPrefix: 'remote/' }],
    });
    await bridge.start();
    const sub = await mqttConnect(local.port, { protocolVersion: 5, clientId: 'cmd-sub' });
    clients.push(sub);
    const got = collect(sub);
    await sub.subscribeAsync('remote/cmd/#', { qos: 1 });
    const reconnected = new Promise<boolean>((resolve) =>
      bridge!.once('connected', (i) => resolve(i.sessionPresent)),
    );
    const resubscribed = new Promise<unknown>((resolve) => bridge!.once('subscribed', resolve));
    await mosquitto.restart();
    expect(await reconnected).toBe(false);
    expect(await resubscribed).toEqual([{ mappingIndex: 0, topicFilter: 'cmd/#', qos: 1, reasonCode: 1 }]);
    const pub = await mqttConnect(mosquitto.port, { protocolVersion: 5, clientId: 'cmd-pub' });
    clients.push(pub);
    await pub.publishAsync('cmd/go', 'go', { qos: 1 });
    await got.waitForCount(1);
    expect(got.messages[0]).toMatchObject({ topic: 'remote/cmd/go', payload: 'go' });
  });
});
