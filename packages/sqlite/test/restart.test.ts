import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSqliteDriver } from './native.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/broker-process.mjs');

interface BrokerChild {
  child: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the broker fixture on `file` and resolves once it prints its port. */
function startBroker(file: string): Promise<BrokerChild> {
  const child = spawn(process.execPath, [FIXTURE, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return new Promise((done, fail) => {
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) done({ child, port: (JSON.parse(line) as { port: number }).port, exited });
    });
    exited.then(({ code, signal }) =>
      fail(new Error(`broker exited (${code ?? signal}) before listening\n${stderr}`)),
    );
  });
}

async function kill(broker: BrokerChild, signal: NodeJS.Signals): Promise<NodeJS.Signals | null> {
  broker.child.kill(signal);
  return (await broker.exited).signal;
}

const v5 = { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 10_000 } as const;

/** Connects and resolves with the client and whether the CONNACK said Session Present. */
function connect(
  port: number,
  options: IClientOptions,
): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  return new Promise((done, fail) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { ...v5, ...options });
    client.once('connect', (connack) => done({ client, sessionPresent: connack.sessionPresent }));
    client.once('error', fail);
  });
}

interface Received {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  properties: mqtt.IPublishPacket['properties'];
}

/** Collects messages from the moment the client exists (a resumed session sends right after CONNACK). */
function collect(client: MqttClient) {
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload, qos: packet.qos, retain: packet.retain, properties: packet.properties });
    for (const wake of waiters) wake();
  });
  const until = (count: number, ms = 20_000) =>
    new Promise<Received[]>((done, fail) => {
      const check = () => {
        if (messages.length < count) return;
        clearTimeout(timer);
        waiters.delete(check);
        done(messages);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        fail(new Error(`expected ${count} messages, got ${messages.length}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return { messages, until };
}

/** Payload of message i: every byte value appears, so corruption anywhere shows. */
const payloadOf = (i: number) =>
  Buffer.concat([
    Buffer.from(`msg-${i}:`),
    Buffer.from(Array.from({ length: 256 }, (_, b) => (b + i) % 256)),
  ]);

describe.runIf(hasSqliteDriver())(
  'a broker process on SqlitePersistence, killed with SIGKILL and restarted',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'mq-sqlite-restart-'));
    const file = join(dir, 'broker.db');
    const running: BrokerChild[] = [];
    /** The brokers on `file`, which the retained test restarts once more. */
    const onFile: BrokerChild[] = [];
    const clients: MqttClient[] = [];
    const COUNT = 50;

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      for (const broker of running)
        if (broker.child.exitCode === null && broker.child.signalCode === null) await kill(broker, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('[MQTT-3.1.2-23] [MQTT-4.5.0-1] [MQTT-3.2.2-3] keeps the session and every acknowledged QoS 1 message queued for it (5.0)', async () => {
      const first = await startBroker(file);
      running.push(first);

      // A persistent session: Clean Start 0 with a Session Expiry Interval, subscribed at QoS 1, then gone.
      const sub = await connect(first.port, {
        clientId: 'durable-sub',
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
      });
      clients.push(sub.client);
      await sub.client.subscribeAsync('acked/#', { qos: 1 });
      await sub.client.endAsync();

      const pub = await connect(first.port, { clientId: 'publisher' });
      clients.push(pub.client);
      for (let i = 0; i < COUNT; i++) {
        // Resolves on PUBACK: from here on the broker has taken responsibility for the message.
        await pub.client.publishAsync(`acked/${i}`, payloadOf(i), {
          qos: 1,
          properties: { contentType: 'test/bytes', userProperties: { n: String(i) } },
        });
      }
      await pub.client.publishAsync('config/site', 'retained across restarts', {
        qos: 1,
        retain: true,
        properties: { contentType: 'text/plain' },
      });
      // No grace period: killed right after the last PUBACK, nothing can be flushed on the way out.
      expect(await kill(first, 'SIGKILL')).toBe('SIGKILL');
      await pub.client.endAsync(true);

      const second = await startBroker(file);
      running.push(second);
      onFile.push(second);
      const resumed = mqtt.connect(`mqtt://127.0.0.1:${second.port}`, {
        ...v5,
        clientId: 'durable-sub',
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
      });
      clients.push(resumed);
      const got = collect(resumed);
      const connack = await new Promise<mqtt.IConnackPacket>((done, fail) => {
        resumed.once('connect', done);
        resumed.once('error', fail);
      });
      expect(connack.sessionPresent).toBe(true);
      const messages = await got.until(COUNT);
      expect(messages.map((m) => m.topic)).toEqual(Array.from({ length: COUNT }, (_, i) => `acked/${i}`));
      messages.forEach((m, i) => {
        expect(m.qos).toBe(1);
        expect(m.payload.equals(payloadOf(i))).toBe(true);
        expect(m.properties?.contentType).toBe('test/bytes');
        expect(m.properties?.userProperties).toEqual({ n: String(i) });
      });
      // The subscription itself came back too: a new message reaches the resumed session.
      const pub2 = await connect(second.port, { clientId: 'publisher-2' });
      clients.push(pub2.client);
      await pub2.client.publishAsync('acked/after', 'after restart', { qos: 1 });
      const [after] = (await got.until(COUNT + 1)).slice(COUNT);
      expect(after?.payload.toString()).toBe('after restart');
      await Promise.all([resumed.endAsync(), pub2.client.endAsync()]);
    });

    it('[MQTT-3.3.1-5] [MQTT-3.3.1-9] a retained message stored before SIGKILL is sent to a new subscriber after restart (5.0)', async () => {
      const broker = onFile.at(-1);
      if (!broker) throw new Error('the first test did not start a broker');
      expect(await kill(broker, 'SIGKILL')).toBe('SIGKILL');
      const third = await startBroker(file);
      running.push(third);
      const fresh = mqtt.connect(`mqtt://127.0.0.1:${third.port}`, {
        ...v5,
        clientId: 'newcomer',
        clean: true,
      });
      clients.push(fresh);
      const got = collect(fresh);
      await new Promise<void>((done, fail) => {
        fresh.once('connect', () => done());
        fresh.once('error', fail);
      });
      await fresh.subscribeAsync('config/#', { qos: 1 });
      const [retained] = await got.until(1);
      expect(retained).toMatchObject({ topic: 'config/site', qos: 1, retain: true });
      expect(retained?.payload.toString()).toBe('retained across restarts');
      expect(retained?.properties?.contentType).toBe('text/plain');
      await fresh.endAsync();
      // A clean stop after all this still works: SIGTERM closes the broker and the database.
      third.child.kill('SIGTERM');
      expect((await third.exited).code).toBe(0);
    });

    it('[MQTT-4.4.0-1] resends the QoS 1 messages that were in flight when the broker was killed, with their packet ids (5.0)', async () => {
      const inflightFile = join(dir, 'inflight.db');
      const first = await startBroker(inflightFile);
      running.push(first);
      const seen: Array<{ topic: string; messageId: number }> = [];
      let holdFirst: () => void = () => {};
      const firstHeld = new Promise<void>((done) => {
        holdFirst = done;
      });
      // Records each PUBLISH and never acknowledges it, so the broker keeps it in flight.
      const holder = await connect(first.port, {
        clientId: 'slow-sub',
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
        customHandleAcks: (topic, _message, packet: mqtt.IPublishPacket) => {
          seen.push({ topic, messageId: packet.messageId ?? 0 });
          holdFirst();
        },
      });
      clients.push(holder.client);
      await holder.client.subscribeAsync('inflight/#', { qos: 1 });
      const pub = await connect(first.port, { clientId: 'inflight-publisher' });
      clients.push(pub.client);
      // All three acknowledged to the publisher: each is queued or in flight for slow-sub from here on.
      for (const n of [1, 2, 3]) await pub.client.publishAsync(`inflight/${n}`, `m${n}`, { qos: 1 });
      await pub.client.endAsync();
      await firstHeld;
      expect(await kill(first, 'SIGKILL')).toBe('SIGKILL');

      const second = await startBroker(inflightFile);
      running.push(second);
      const resumed = mqtt.connect(`mqtt://127.0.0.1:${second.port}`, {
        ...v5,
        clientId: 'slow-sub',
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
      });
      clients.push(resumed);
      const redelivered: Array<{ topic: string; messageId: number; dup: boolean }> = [];
      const all = new Promise<void>((done) => {
        resumed.on('message', (topic, _payload, packet) => {
          redelivered.push({ topic, messageId: packet.messageId ?? 0, dup: packet.dup });
          if (redelivered.length === 3) done();
        });
      });
      await all;
      expect(redelivered.map((m) => m.topic)).toEqual(['inflight/1', 'inflight/2', 'inflight/3']);
      expect(redelivered[0]).toMatchObject({ messageId: seen[0]?.messageId, dup: true });
      await resumed.endAsync();
      expect(await kill(second, 'SIGKILL')).toBe('SIGKILL');
    });
  },
);
