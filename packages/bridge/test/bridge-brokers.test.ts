import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Broker } from '@mq/broker';
import { createBroker } from '@mq/broker';
import { FileStore } from '@mq/client';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/mosquitto.js';
import { type Bridge, type BridgeError, type BridgeOptions, createBridge } from '../src/index.js';
import {
  collect,
  endClient,
  FAST_RECONNECT,
  mqttConnect,
  publishMany,
  startBroker,
  until,
} from './helpers.js';

type Started = { broker: Broker; port: number };

const brokers: Started[] = [];
const bridges: Bridge[] = [];
const clients: MqttClient[] = [];
const dirs: string[] = [];

async function broker(): Promise<Started> {
  const started = await startBroker();
  brokers.push(started);
  return started;
}
function bridgeOf(local: Started, options: BridgeOptions) {
  const bridge = createBridge(local.broker, options);
  bridges.push(bridge);
  return bridge;
}
async function client(port: number, clientId: string, protocolVersion: 4 | 5 = 5): Promise<MqttClient> {
  const c = await mqttConnect(port, { protocolVersion, clientId });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => endClient(c)));
  await Promise.all(bridges.splice(0).map((b) => b.stop()));
  await Promise.all(brokers.splice(0).map((b) => b.broker.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('two @mq/broker instances bridged to each other', () => {
  for (const protocolVersion of [5, 4] as const) {
    it(`both (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}): each message crosses once, nothing loops`, async () => {
      const a = await broker();
      const b = await broker();
      const bridge = bridgeOf(a, {
        url: `mqtt://127.0.0.1:${b.port}`,
        clientId: `a-to-b-v${protocolVersion}`,
        protocolVersion,
        reconnect: FAST_RECONNECT,
        topics: [{ pattern: '#', direction: 'both', qos: 1, localPrefix: 'a/', remotePrefix: 'b/' }],
      });
      await bridge.start();
      const onA = await client(a.port, 'on-a');
      const onB = await client(b.port, 'on-b');
      const gotA = collect(onA);
      const gotB = collect(onB);
      await onA.subscribeAsync('#', { qos: 1, nl: true });
      await onB.subscribeAsync('#', { qos: 1, nl: true });
      const fromA = await publishMany(onA, 'a/x', 'A', 50);
      const fromB = await publishMany(onB, 'b/y', 'B', 50);
      await gotB.waitForPayloads(fromA);
      await gotA.waitForPayloads(fromB);
      await onA.publishAsync('a/end', 'end-a', { qos: 1 });
      await onB.publishAsync('b/end', 'end-b', { qos: 1 });
      await gotA.waitForPayloads(['end-b']);
      await gotB.waitForPayloads(['end-a']);
      expect(gotB.messages.map((m) => m.topic)).toEqual([...fromA.map(() => 'b/x'), 'b/end']);
      expect(gotA.messages.map((m) => m.topic)).toEqual([...fromB.map(() => 'a/y'), 'a/end']);
      expect(gotB.payloads()).toEqual([...fromA, 'end-a']);
      expect(gotA.payloads()).toEqual([...fromB, 'end-b']);
      // Acks and (3.1.1) echoes may still be on their way when the markers arrive.
      await until(() => bridge.stats.forwardedOut === 51, 'every forward acknowledged');
      // 3.1.1 has no No Local: @mq/broker sends the bridge its own messages back, and each is dropped.
      const echoes = protocolVersion === 4 ? 51 : 0;
      await until(() => bridge.stats.echoesDropped === echoes, `${echoes} echoes dropped`);
      expect(bridge.stats.forwardedIn).toBe(51);
      expect(bridge.stats.unmatchedIn).toBe(0);
      expect(gotA.messages).toHaveLength(51);
      expect(gotB.messages).toHaveLength(51);
    });
  }

  it('delivers in messages that reached the remote while the bridge was stopped, after it starts again', async () => {
    const a = await broker();
    const b = await broker();
    const options = {
      url: `mqtt://127.0.0.1:${b.port}`,
      clientId: 'persistent-bridge',
      reconnect: FAST_RECONNECT,
      topics: [{ pattern: 'cmd/#', direction: 'in' as const, qos: 1 as const }],
    };
    const first = bridgeOf(a, options);
    await first.start();
    await first.stop();
    expect(first.state).toBe('stopped');
    const remotePub = await client(b.port, 'remote-pub');
    const sent = await publishMany(remotePub, 'cmd/go', 'queued', 30);
    const localSub = await client(a.port, 'local-sub');
    const got = collect(localSub);
    await localSub.subscribeAsync('cmd/#', { qos: 1 });
    const second = bridgeOf(a, options);
    const connected = new Promise<boolean>((resolve) =>
      second.once('connected', (i) => resolve(i.sessionPresent)),
    );
    await second.start();
    expect(await connected).toBe(true);
    await got.waitForPayloads(sent);
    expect(got.payloads()).toEqual(sent);
  });

  it('keeps out messages in a FileStore across a restart of the bridge while the remote is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mq-bridge-'));
    dirs.push(dir);
    const a = await broker();
    const deadPort = await freePort();
    const topics = [{ pattern: 'meter/#', direction: 'out' as const, qos: 1 as const }];
    const offline = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${deadPort}`,
      clientId: 'meter-bridge',
      reconnect: FAST_RECONNECT,
      store: new FileStore(join(dir, 'outbox.log')),
      stopTimeout: 0,
      topics,
    });
    void offline.start().catch(() => {});
    const pub = await client(a.port, 'meter-pub');
    const sent = await publishMany(pub, 'meter/1', 'kwh', 40);
    await offline.stop();
    expect(offline.stats.forwardedOut).toBe(0);

    const b = await broker();
    const sink = await client(b.port, 'meter-sink');
    const got = collect(sink);
    await sink.subscribeAsync('meter/#', { qos: 1 });
    const online = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${b.port}`,
      clientId: 'meter-bridge',
      reconnect: FAST_RECONNECT,
      store: new FileStore(join(dir, 'outbox.log')),
      topics,
    });
    await online.start();
    await got.waitForPayloads(sent);
    expect(got.payloads()).toEqual(sent);
  });

  it('carries retained messages both ways and injects a remote retained message on subscribe', async () => {
    const a = await broker();
    const b = await broker();
    const remotePub = await client(b.port, 'retainer');
    await remotePub.publishAsync('cfg/rate', '10', { qos: 1, retain: true });
    const bridge = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${b.port}`,
      clientId: 'retain-bridge',
      reconnect: FAST_RECONNECT,
      topics: [
        { pattern: 'cfg/#', direction: 'in', qos: 1 },
        { pattern: 'state/#', direction: 'out', qos: 1 },
      ],
    });
    await bridge.start();
    const localPub = await client(a.port, 'state-pub');
    await localPub.publishAsync('state/on', 'yes', { qos: 1, retain: true });
    // Late subscribers on each side get the other side's retained message.
    const lateA = await client(a.port, 'late-a');
    const gotA = collect(lateA);
    await lateA.subscribeAsync('cfg/#', { qos: 1 });
    await gotA.waitForCount(1);
    expect(gotA.messages[0]).toMatchObject({ topic: 'cfg/rate', payload: '10', retain: true });
    const watcher = await client(b.port, 'state-watch');
    const gotWatch = collect(watcher);
    await watcher.subscribeAsync('state/#', { qos: 1 });
    await gotWatch.waitForCount(1);
    expect(gotWatch.messages[0]).toMatchObject({ topic: 'state/on', payload: 'yes', retain: true });
  });

  it('sends local retained messages stored before the start for out mappings, not for both', async () => {
    const a = await broker();
    const b = await broker();
    const localPub = await client(a.port, 'early-retainer');
    await localPub.publishAsync('status/door', 'closed', { qos: 1, retain: true });
    await localPub.publishAsync('shared/mode', 'auto', { qos: 1, retain: true });
    const bridge = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${b.port}`,
      clientId: 'retained-at-start',
      reconnect: FAST_RECONNECT,
      topics: [
        { pattern: 'status/#', direction: 'out', qos: 1, remotePrefix: 'site/' },
        { pattern: 'shared/#', direction: 'both', qos: 1 },
      ],
    });
    await bridge.start();
    await until(
      () => bridge.stats.forwardedOut >= 1 && bridge.pendingCount === 0,
      'the forwards acknowledged',
    );
    expect(bridge.stats.forwardedOut).toBe(1);
    const watcher = await client(b.port, 'retained-watch');
    const got = collect(watcher);
    await watcher.subscribeAsync(['site/#', 'shared/#'], { qos: 1 });
    // Retained messages come with the subscription, so before this marker.
    await watcher.publishAsync('site/marker', 'm', { qos: 1 });
    await got.waitForPayloads(['m']);
    expect(got.messages.map((m) => [m.topic, m.payload, m.retain])).toEqual([
      ['site/status/door', 'closed', true],
      ['site/marker', 'm', false],
    ]);
  });

  it('notifications: a retained 1/0 on both sides, with a will for a lost connection', async () => {
    const a = await broker();
    const b = await broker();
    const localWatch = await client(a.port, 'notify-local');
    const remoteWatch = await client(b.port, 'notify-remote');
    const gotLocal = collect(localWatch);
    const gotRemote = collect(remoteWatch);
    await localWatch.subscribeAsync('bridges/#', { qos: 1 });
    await remoteWatch.subscribeAsync('bridges/#', { qos: 1 });
    const bridge = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${b.port}`,
      clientId: 'notify-bridge',
      reconnect: FAST_RECONNECT,
      notifications: { topic: 'bridges/site7/state' },
      topics: [{ pattern: 'bridges/#', direction: 'both', qos: 1 }],
    });
    await bridge.start();
    await gotLocal.waitForCount(1);
    await gotRemote.waitForCount(1);
    // The remote drops the connection: its will says '0', the bridge comes back and says '1'.
    const back = new Promise((resolve) => bridge.once('connected', resolve));
    b.broker.disconnectClient('notify-bridge');
    await back;
    await gotLocal.waitForCount(3);
    await gotRemote.waitForCount(3);
    await bridge.stop();
    await gotLocal.waitForCount(4);
    await gotRemote.waitForCount(4);
    expect(gotLocal.payloads()).toEqual(['1', '0', '1', '0']);
    expect(gotRemote.payloads()).toEqual(['1', '0', '1', '0']);
    expect(gotLocal.messages.every((m) => m.topic === 'bridges/site7/state')).toBe(true);
    // Nothing crossed the bridge: each side heard only the bridge's own notifications.
    expect(bridge.stats.forwardedOut + bridge.stats.forwardedIn).toBe(0);
  });

  it('forwards at the lower of the published and the mapping QoS', async () => {
    const a = await broker();
    const b = await broker();
    const bridge = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${b.port}`,
      clientId: 'qos-bridge',
      reconnect: FAST_RECONNECT,
      topics: [
        { pattern: 'q/#', direction: 'out', qos: 1 },
        { pattern: 'q2/#', direction: 'out', qos: 2 },
      ],
    });
    await bridge.start();
    const sink = await client(b.port, 'qos-sink');
    const got = collect(sink);
    await sink.subscribeAsync(['q/#', 'q2/#'], { qos: 2 });
    const pub = await client(a.port, 'qos-pub');
    await pub.publishAsync('q/2', 'two', { qos: 2 });
    await pub.publishAsync('q/0', 'zero', { qos: 0 });
    await pub.publishAsync('q2/2', 'exactly once', { qos: 2 });
    await got.waitForCount(3);
    expect(got.messages.map((m) => [m.topic, m.qos])).toEqual([
      ['q/2', 1],
      ['q/0', 0],
      ['q2/2', 2],
    ]);
  });

  it('reports refused subscriptions and refused forwards with the mapping index', async () => {
    const a = await broker();
    const b = createBroker({
      listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
      sys: { enabled: false, intervalMs: 10_000 },
      auth: {
        authorizeSubscribe: ({ subscription }) => !subscription.topicFilter.startsWith('secret'),
        authorizePublish: ({ topic }) => !topic.startsWith('locked'),
      },
    });
    const [address] = await b.listen();
    brokers.push({ broker: b, port: address!.port });
    const bridge = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${address!.port}`,
      clientId: 'refused-bridge',
      reconnect: FAST_RECONNECT,
      topics: [
        { pattern: 'ok/#', direction: 'in', qos: 1 },
        { pattern: 'secret/#', direction: 'in', qos: 1 },
        { pattern: 'locked/#', direction: 'out', qos: 1 },
      ],
    });
    const errors: BridgeError[] = [];
    bridge.on('error', (e) => errors.push(e));
    await bridge.start();
    expect(errors.map((e) => [e.code, e.mappingIndex, e.reasonCode])).toEqual([
      ['SUBSCRIBE_REFUSED', 1, 0x87],
    ]);
    const failed = new Promise<BridgeError>((resolve) =>
      bridge.on('error', (e) => e.code === 'FORWARD_FAILED' && resolve(e)),
    );
    const pub = await client(a.port, 'locked-pub');
    await pub.publishAsync('locked/door', 'open', { qos: 1 });
    const error = await failed;
    expect([error.mappingIndex, error.reasonCode, error.topic]).toEqual([2, 0x87, 'locked/door']);
    expect(bridge.stats.failedOut).toBe(1);
  });

  it('start() rejects with BRIDGE_STOPPED when stop() comes first; a stopped bridge cannot start again', async () => {
    const a = await broker();
    const deadPort = await freePort();
    const bridge = bridgeOf(a, {
      url: `mqtt://127.0.0.1:${deadPort}`,
      clientId: 'never-up',
      reconnect: FAST_RECONNECT,
      topics: [{ pattern: 'x/#', direction: 'in', qos: 0 }],
    });
    const starting = bridge.start();
    expect(bridge.state).toBe('connecting');
    await bridge.stop();
    await expect(starting).rejects.toMatchObject({ code: 'BRIDGE_STOPPED' });
    expect(bridge.state).toBe('stopped');
    const again = createBridge(a.broker, {
      url: 'mqtt://127.0.0.1:1',
      clientId: 'x',
      topics: [{ pattern: 'x', direction: 'out', qos: 0 }],
    });
    await again.stop();
    await expect(again.start()).rejects.toMatchObject({ code: 'BRIDGE_STOPPED' });
  });
});
