import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Broker, type BrokerOptions, createBroker } from '@mq/broker';
import { encodePacket, type Packet, PacketDecoder } from '@mq/codec';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqlitePersistence } from '../src/index.js';
import { hasSqliteDriver } from './native.js';

/*
 * Restarts at the edges of a session's life, found by an adversarial review: a session whose expiry
 * dropped to 0, a will whose session expired while the broker was down, a crash between storing a
 * QoS 2 message's copies and its packet id.
 */

const FIXTURE = resolve(import.meta.dirname, 'fixtures/broker-process.mjs');
const dir = mkdtempSync(join(tmpdir(), 'mq-sqlite-edges-'));
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let brokers: Broker[] = [];
let clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await Promise.all(brokers.map((b) => b.close()));
  clients = [];
  brokers = [];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startOn(file: string, options: Partial<BrokerOptions> = {}): Promise<number> {
  const broker = createBroker({
    listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
    persistence: new SqlitePersistence(file),
    sys: { enabled: false },
    ...options,
  });
  brokers.push(broker);
  const [address] = await broker.listen();
  return address!.port;
}

/** Connects (v5) and resolves with the client, Session Present, and every message it gets from the start. */
async function connect(port: number, options: IClientOptions) {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    ...options,
  });
  clients.push(client);
  const messages: string[] = [];
  client.on('message', (topic, payload) => messages.push(`${topic} ${payload.toString()}`));
  const connack = await new Promise<mqtt.IConnackPacket>((done, fail) => {
    client.once('connect', done);
    client.once('error', fail);
  });
  return { client, sessionPresent: connack.sessionPresent, messages };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(20);
  }
}

describe.runIf(hasSqliteDriver())('SqlitePersistence: restarts at the edges of a session', () => {
  it('[MQTT-3.1.2-23] a session resumed with Session Expiry 0 is not stored: after a restart it is gone and nothing acknowledged comes back', async () => {
    const file = join(dir, 'expiry-zero.db');
    let port = await startOn(file);
    const durable = { clientId: 'flip', clean: false, properties: { sessionExpiryInterval: 3600 } };
    const first = await connect(port, durable);
    await first.client.subscribeAsync('flip/#', { qos: 2 });
    await first.client.endAsync();
    const pub = await connect(port, { clientId: 'flip-pub' });
    for (let i = 0; i < 3; i++) await pub.client.publishAsync(`flip/${i}`, `m${i}`, { qos: 2 });

    // Back with expiry 0: it gets and acknowledges the three, and its session now ends with this connection.
    const resumed = await connect(port, {
      clientId: 'flip',
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    expect(resumed.sessionPresent).toBe(true);
    await until(() => resumed.messages.length === 3);
    await sleep(100); // the PUBCOMPs

    // The broker stops while that connection is open, then starts again on the same file.
    await brokers.pop()!.close();
    port = await startOn(file);
    const after = await connect(port, durable);
    expect(after.sessionPresent).toBe(false);
    await sleep(300);
    expect(after.messages).toEqual([]);
  });

  it('[MQTT-3.1.2-8] a will whose session expired while the broker was down is published at restart, not when its delay runs out', async () => {
    const file = join(dir, 'will.db');
    let port = await startOn(file);
    // A persistent watcher, offline when the will goes out: it finds the will queued when it returns.
    const watcherOptions = { clientId: 'watcher', clean: false, properties: { sessionExpiryInterval: 3600 } };
    const watcher = await connect(port, watcherOptions);
    await watcher.client.subscribeAsync('wills/#', { qos: 1 });
    await watcher.client.endAsync();
    const dying = await connect(port, {
      clientId: 'dying',
      clean: false,
      properties: { sessionExpiryInterval: 1 },
      will: {
        topic: 'wills/dying',
        payload: Buffer.from('gone'),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 30 },
      },
    });
    (dying.client.stream as net.Socket).destroy();
    await sleep(100);
    await brokers.pop()!.close();
    // Down for longer than the session's 1 s expiry, far shorter than the will's 30 s delay.
    await sleep(1300);
    port = await startOn(file);
    const back = await connect(port, watcherOptions);
    expect(back.sessionPresent).toBe(true);
    await until(() => back.messages.length > 0, 3000);
    expect(back.messages).toEqual(['wills/dying gone']);
    const again = await connect(port, {
      clientId: 'dying',
      clean: false,
      properties: { sessionExpiryInterval: 1 },
    });
    expect(again.sessionPresent).toBe(false);
  });

  it("a session's owner is stored: after a restart another user resuming its client id gets a fresh session", async () => {
    const file = join(dir, 'owner.db');
    // Subscriptions authorized per user: a session belongs to the user who opened it.
    const perUser: Partial<BrokerOptions> = {
      auth: {
        authenticate: ({ username }) => username !== undefined,
        authorizeSubscribe: ({ username, subscription }) =>
          subscription.topicFilter.startsWith(`${username}/`),
      },
    };
    let port = await startOn(file, perUser);
    const aliceOptions = {
      clientId: 'alice-phone',
      username: 'alice',
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    };
    const alice = await connect(port, aliceOptions);
    await alice.client.subscribeAsync('alice/#', { qos: 1 });
    await alice.client.endAsync();
    await brokers.pop()!.close();

    port = await startOn(file, perUser);
    const bob = await connect(port, { clientId: 'bob', username: 'bob' });
    await bob.client.publishAsync('alice/private', 'for alice only', { qos: 1 });
    const carol = await connect(port, { ...aliceOptions, username: 'carol' });
    expect(carol.sessionPresent).toBe(false);
    await sleep(300);
    expect(carol.messages).toEqual([]);
  });

  it('[MQTT-4.3.3-10] a crash between storing a QoS 2 message for its subscriber and storing its packet id delivers it once', async () => {
    const file = join(dir, 'qos2-crash.db');
    // The subscriber's persistent session, offline: a routed copy of the message is a row for it.
    let port = await startOn(file);
    const subOptions = { clientId: 'q2-sub', clean: false, properties: { sessionExpiryInterval: 3600 } };
    const sub = await connect(port, subOptions);
    await sub.client.subscribeAsync('q2', { qos: 2 });
    await sub.client.endAsync();
    await brokers.pop()!.close();

    // A broker process that dies the instant the broker stores the incoming packet id.
    const crashing = await startChild(file, { MQ_TEST_KILL_IN: 'addIncomingQos2' });
    const first = await RawPublisher.open(crashing.port);
    first.send({
      type: 'publish',
      topic: 'q2',
      payload: Buffer.from('once'),
      qos: 2,
      retain: false,
      dup: false,
      packetId: 7,
    });
    expect(await crashing.exited).toBe('SIGKILL');
    expect(first.received).toEqual(['connack']);

    // Restarted, the publisher resends: same packet id, DUP set; then completes the flow.
    port = await startOn(file);
    const second = await RawPublisher.open(port);
    second.send({
      type: 'publish',
      topic: 'q2',
      payload: Buffer.from('once'),
      qos: 2,
      retain: false,
      dup: true,
      packetId: 7,
    });
    await until(() => second.received.includes('pubrec'));
    second.send({ type: 'pubrel', packetId: 7 });
    await until(() => second.received.includes('pubcomp'));
    second.socket.destroy();

    const back = await connect(port, subOptions);
    await until(() => back.messages.length > 0);
    await sleep(300);
    expect(back.messages).toEqual(['q2 once']);
  });
});

/** The broker fixture in its own process (so it can die by SIGKILL); resolves once it listens. */
function startChild(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [FIXTURE, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<NodeJS.Signals | null>((done) =>
    child.once('exit', (_code, signal) => done(signal)),
  );
  return new Promise<{ port: number; exited: Promise<NodeJS.Signals | null> }>((done, fail) => {
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) done({ port: (JSON.parse(line) as { port: number }).port, exited });
    });
    void exited.then((signal) => fail(new Error(`broker exited (${signal}) before listening`)));
  });
}

/** A v5 publisher on a raw socket: it chooses its own packet ids and DUP flags. */
class RawPublisher {
  readonly received: string[] = [];
  private constructor(readonly socket: net.Socket) {}

  static async open(port: number): Promise<RawPublisher> {
    const socket = net.connect(port, '127.0.0.1');
    const publisher = new RawPublisher(socket);
    const decoder = new PacketDecoder({ protocolVersion: 5, side: 'client' });
    socket.on('data', (chunk) => decoder.push(chunk, (p) => publisher.received.push(p.type)));
    socket.on('error', () => {});
    publisher.send({
      type: 'connect',
      protocolVersion: 5,
      protocolName: 'MQTT',
      clientId: 'q2-pub',
      cleanStart: false,
      keepAlive: 60,
      properties: { sessionExpiryInterval: 3600 },
    });
    await until(() => publisher.received.includes('connack'));
    return publisher;
  }

  send(packet: Packet): void {
    this.socket.write(encodePacket(packet, 5));
  }
}
