import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishPacket } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from '../src/client.js';
import { MqttClientError } from '../src/errors.js';
import { connect, createClient } from '../src/index.js';
import type { Message } from '../src/message.js';
import { FileStore } from '../src/store/file.js';
import { defaultBehaviour, FakeBroker, type FakeConnection } from './helpers/fake-broker.js';
import { waitUntil } from './helpers/transport-probe.js';

const fast = { reconnect: { initialDelay: 20, maxDelay: 200 } } as const;
let broker: FakeBroker | undefined;
let client: MqttClient | undefined;
afterEach(async () => {
  await client?.end({ force: true });
  await broker?.close();
  client = undefined;
  broker = undefined;
});

const incoming = (packetId: number, extra: Partial<PublishPacket> = {}): PublishPacket => ({
  type: 'publish',
  topic: 'in/x',
  payload: new TextEncoder().encode(`p${packetId}`),
  qos: 2,
  retain: false,
  dup: false,
  packetId,
  ...extra,
});

describe('connect', () => {
  it('sends every CONNECT option', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url, {
      clientId: 'opts',
      username: 'u',
      password: 'p',
      keepAlive: 30,
      cleanStart: false,
      sessionExpiryInterval: 120,
      receiveMaximum: 10,
      maximumPacketSize: 4096,
      topicAliasMaximum: 4,
      requestResponseInformation: true,
      userProperties: [['k', 'v']],
      will: { topic: 'w', payload: 'bye', qos: 1, retain: true, properties: { willDelayInterval: 5 } },
    });
    expect(broker.connections[0]?.connect).toMatchObject({
      protocolVersion: 5,
      clientId: 'opts',
      username: 'u',
      keepAlive: 30,
      cleanStart: false,
      will: { topic: 'w', qos: 1, retain: true, properties: { willDelayInterval: 5 } },
      properties: {
        sessionExpiryInterval: 120,
        receiveMaximum: 10,
        maximumPacketSize: 4096,
        topicAliasMaximum: 4,
        requestResponseInformation: true,
        userProperties: [['k', 'v']],
      },
    });
    expect([...(broker.connections[0]?.connect?.password ?? [])]).toEqual([112]);
  });

  it('rejects with CONNECTION_REFUSED and the reason code when the server refuses', async () => {
    broker = await FakeBroker.start({ connack: () => ({ sessionPresent: false, reasonCode: 0x86 }) });
    const error = await connect(broker.url, { password: 'wrong', username: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MqttClientError);
    expect(error).toMatchObject({ code: 'CONNECTION_REFUSED', reasonCode: 0x86 });
  });

  it('[MQTT-3.1.2-2] reads a 3.1.1 CONNACK refusing an MQTT 5 CONNECT as Unsupported Protocol Version', async () => {
    broker = await FakeBroker.start({
      connack: (_connect, connection) => {
        connection.sendRaw(Uint8Array.of(0x20, 0x02, 0x00, 0x01));
        return undefined;
      },
    });
    const error = await connect(broker.url, { protocolVersion: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MqttClientError);
    expect(error).toMatchObject({ code: 'CONNECTION_REFUSED', reasonCode: 0x84 });
  });

  it('rejects with CONNECT_FAILED when nothing listens', async () => {
    broker = await FakeBroker.start();
    const url = broker.url;
    await broker.close();
    broker = undefined;
    await expect(connect(url)).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('[MQTT-4.12.0-2] [MQTT-4.12.0-3] answers an AUTH challenge through onAuth with AUTH 0x18 before CONNACK', async () => {
    broker = await FakeBroker.start({
      connack: (_connect, c) => {
        c.send({
          type: 'auth',
          reasonCode: 0x18,
          properties: { authenticationMethod: 'TOKEN', authenticationData: new Uint8Array([1]) },
        });
        return undefined;
      },
      onPacket: (packet, c) => {
        if (packet.type === 'auth') c.send({ type: 'connack', sessionPresent: false, reasonCode: 0 });
        else defaultBehaviour(packet, c);
      },
    });
    const challenges: number[][] = [];
    client = await connect(broker.url, {
      authenticationMethod: 'TOKEN',
      authenticationData: new Uint8Array([0]),
      onAuth: (challenge) => {
        challenges.push([...(challenge.authenticationData ?? [])]);
        return new Uint8Array([2]);
      },
    });
    expect(challenges).toEqual([[1]]);
    const answer = broker.all('auth')[0];
    expect(answer).toMatchObject({ reasonCode: 0x18, properties: { authenticationMethod: 'TOKEN' } });
    expect([...(answer?.properties?.authenticationData ?? [])]).toEqual([2]);
  });

  it('[MQTT-4.12.1-1] re-authenticates with AUTH 0x19 and the connect method, answering challenges', async () => {
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type !== 'auth') return defaultBehaviour(packet, c);
        if (packet.reasonCode === 0x19) {
          c.send({
            type: 'auth',
            reasonCode: 0x18,
            properties: { authenticationMethod: 'TOKEN', authenticationData: new Uint8Array([7]) },
          });
        } else {
          c.send({ type: 'auth', reasonCode: 0, properties: { authenticationMethod: 'TOKEN' } });
        }
      },
    });
    const challenges: number[][] = [];
    client = await connect(broker.url, {
      authenticationMethod: 'TOKEN',
      onAuth: (challenge) => {
        challenges.push([...(challenge.authenticationData ?? [])]);
        return new Uint8Array([8]);
      },
    });
    await client.reauthenticate(new Uint8Array([6]));
    const sent = broker.all('auth');
    expect(
      sent.map((p) => [
        p.reasonCode,
        p.properties?.authenticationMethod,
        [...(p.properties?.authenticationData ?? [])],
      ]),
    ).toEqual([
      [0x19, 'TOKEN', [6]],
      [0x18, 'TOKEN', [8]],
    ]);
    expect(challenges).toEqual([[7]]);
  });

  it('rejects a re-authentication the server answers with DISCONNECT', async () => {
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type !== 'auth') return defaultBehaviour(packet, c);
        c.send({ type: 'disconnect', reasonCode: 0x87 });
      },
    });
    client = await connect(broker.url, { ...fast, authenticationMethod: 'TOKEN' });
    await expect(client.reauthenticate()).rejects.toMatchObject({
      code: 'SERVER_DISCONNECT',
      reasonCode: 0x87,
    });
    await expect(
      connect(broker.url, { reconnect: false }).then((c) => c.reauthenticate().finally(() => c.end())),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('[MQTT-3.2.2-21] [MQTT-3.1.2-21] uses the Server Keep Alive and reconnects when PINGRESP does not come', async () => {
    broker = await FakeBroker.start({
      connack: () => ({ sessionPresent: false, reasonCode: 0, properties: { serverKeepAlive: 1 } }),
      onPacket: (packet, c) => {
        if (packet.type !== 'pingreq') defaultBehaviour(packet, c);
      },
    });
    client = await connect(broker.url, { ...fast, keepAlive: 60, pingTimeout: 200 });
    const closes: Array<string | undefined> = [];
    client.on('close', (error) => closes.push(error?.code));
    await broker.until(() => (broker?.connections.length ?? 0) >= 2);
    expect(broker.all('pingreq').length).toBeGreaterThanOrEqual(1);
    expect(closes[0]).toBe('KEEPALIVE_TIMEOUT');
  });

  it('[MQTT-3.2.2-4] closes the connection when a clean start gets Session Present', async () => {
    broker = await FakeBroker.start({ connack: () => ({ sessionPresent: true, reasonCode: 0 }) });
    await expect(connect(broker.url, { reconnect: false })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });
});

describe('publish', () => {
  it('rejects with PUBLISH_FAILED carrying the PUBACK reason code and string', async () => {
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type !== 'publish') return defaultBehaviour(packet, c);
        c.send({
          type: 'puback',
          packetId: packet.packetId as number,
          reasonCode: 0x87,
          properties: { reasonString: 'no' },
        });
      },
    });
    client = await connect(broker.url);
    await expect(client.publish('t', 'x', { qos: 1 })).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      reasonCode: 0x87,
      reasonString: 'no',
    });
  });

  it('treats PUBCOMP 0x92 (flow already finished by the server) as delivered', async () => {
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type !== 'pubrel') return defaultBehaviour(packet, c);
        c.send({ type: 'pubcomp', packetId: packet.packetId, reasonCode: 0x92 });
      },
    });
    client = await connect(broker.url);
    expect(await client.publish('t', 'x', { qos: 2 })).toMatchObject({ reasonCode: 0 });
  });

  it('[MQTT-3.2.2-11] [MQTT-3.2.2-14] refuses QoS above the server Maximum QoS and retain when unavailable', async () => {
    broker = await FakeBroker.start({
      connack: () => ({
        sessionPresent: false,
        reasonCode: 0,
        properties: { maximumQoS: 1, retainAvailable: false },
      }),
    });
    client = await connect(broker.url);
    await expect(client.publish('t', 'x', { qos: 2 })).rejects.toMatchObject({ reasonCode: 0x9b });
    await expect(client.publish('t', 'x', { retain: true })).rejects.toMatchObject({ reasonCode: 0x9a });
    expect(broker.all('publish')).toEqual([]);
  });

  it('validates its arguments with TypeError and RangeError', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url);
    await expect(client.publish('a/+', 'x')).rejects.toBeInstanceOf(TypeError);
    await expect(client.publish('', 'x')).rejects.toBeInstanceOf(TypeError);
    await expect(client.publish('a', 'x', { qos: 3 as 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('receive', () => {
  it('[MQTT-4.3.3-10] delivers a redelivered QoS 2 message once and acknowledges each copy', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url);
    const got: string[] = [];
    client.on('message', (m) => got.push(m.text()));
    const c = broker.connections[0] as FakeConnection;
    c.send(incoming(7));
    c.send(incoming(7, { dup: true }));
    await broker.until(() => broker?.all('pubrec').length === 2);
    c.send({ type: 'pubrel', packetId: 7 });
    await broker.until(() => broker?.all('pubcomp').length === 1);
    expect(got).toEqual(['p7']);
    // [MQTT-4.3.3-12] after PUBCOMP the same id is a new message.
    c.send(incoming(7));
    await waitUntil(() => got.length === 2);
  });

  it('[MQTT-4.3.3-10] does not deliver a redelivered QoS 2 message again after a client restart (FileStore)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mq-incoming-'));
    try {
      broker = await FakeBroker.start({
        connack: (_connect, c) => ({ sessionPresent: c.index > 0, reasonCode: 0 }),
      });
      const options = { clientId: 'restarting', cleanStart: false, sessionExpiryInterval: 60 };
      const got: string[] = [];
      client = await connect(broker.url, { ...options, store: new FileStore(join(dir, 's.log')) });
      client.on('message', (m) => got.push(m.text()));
      broker.connections[0]?.send(incoming(11));
      await broker.until(() => broker?.all('pubrec').length === 1);
      // The process "dies" before PUBREL: the next run starts from the same file.
      await client.end({ force: true });
      client = createClient(broker.url, { ...options, store: new FileStore(join(dir, 's.log')) });
      client.on('message', (m) => got.push(m.text()));
      await client.whenConnected();
      const second = broker.connections[1] as FakeConnection;
      second.send(incoming(11, { dup: true }));
      await broker.until(() => broker?.all('pubrec').length === 2);
      second.send({ type: 'pubrel', packetId: 11 });
      await broker.until(() => broker?.all('pubcomp').length === 1);
      expect(got).toEqual(['p11']);
    } finally {
      await client?.end({ force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('[MQTT-4.3.3-11] answers PUBREL with PUBCOMP carrying the same id', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url);
    const c = broker.connections[0] as FakeConnection;
    c.send(incoming(9));
    await broker.until(() => broker?.all('pubrec').length === 1);
    c.send({ type: 'pubrel', packetId: 9 });
    await broker.until(() => broker?.all('pubcomp').length === 1);
    expect(broker.all('pubcomp')[0]).toMatchObject({ packetId: 9 });
  });

  it('acknowledges only when ack() is called with manualAck', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url, { manualAck: true });
    const messages: Message[] = [];
    client.on('message', (m) => messages.push(m));
    const c = broker.connections[0] as FakeConnection;
    c.send(incoming(3, { qos: 1 }));
    c.send(incoming(4));
    await waitUntil(() => messages.length === 2);
    await client.subscribe('sync', { qos: 0 });
    expect(broker.all('puback')).toEqual([]);
    expect(broker.all('pubrec')).toEqual([]);
    for (const m of messages) m.ack();
    await broker.until(() => broker?.all('puback').length === 1 && broker?.all('pubrec').length === 1);
  });

  it('resolves incoming topic aliases and passes messages to handlers, iterators and events', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url, { topicAliasMaximum: 2 });
    const byHandler: string[] = [];
    await client.subscribe('s/+', { qos: 1, handler: (m) => byHandler.push(m.topic) });
    const stream = client.messages('s/#');
    const c = broker.connections[0] as FakeConnection;
    c.send(incoming(1, { qos: 0, packetId: undefined, topic: 's/a', properties: { topicAlias: 1 } }));
    c.send(incoming(2, { qos: 0, packetId: undefined, topic: '', properties: { topicAlias: 1 } }));
    c.send(incoming(3, { qos: 0, packetId: undefined, topic: 'other' }));
    expect((await stream.next()).value?.topic).toBe('s/a');
    expect((await stream.next()).value?.topic).toBe('s/a');
    expect(byHandler).toEqual(['s/a', 's/a']);
  });

  it('gives a subscription handler the messages a server sends before its SUBACK', async () => {
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type === 'subscribe')
          c.send(incoming(5, { qos: 0, packetId: undefined, topic: 'early/a' }));
        defaultBehaviour(packet, c);
      },
    });
    client = await connect(broker.url);
    const got: string[] = [];
    await client.subscribe('early/+', { handler: (m) => got.push(m.topic) });
    expect(got).toEqual(['early/a']);
  });

  it('[MQTT-3.3.2-11] disconnects with 0x94 on an alias it never allowed', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url, { ...fast, topicAliasMaximum: 1 });
    const c = broker.connections[0] as FakeConnection;
    c.send(incoming(1, { qos: 0, packetId: undefined, topic: 'a', properties: { topicAlias: 2 } }));
    await broker.until(() => broker?.all('disconnect').length === 1);
    expect(broker.all('disconnect')[0]).toMatchObject({ reasonCode: 0x94 });
  });
});

describe('subscribe and server disconnect', () => {
  it('returns granted QoS per filter and rejects only when every filter is refused', async () => {
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type !== 'subscribe') return defaultBehaviour(packet, c);
        c.send({
          type: 'suback',
          packetId: packet.packetId,
          reasonCodes: packet.subscriptions.map((s) => (s.topicFilter.startsWith('deny') ? 0x87 : 1)),
        });
      },
    });
    client = await connect(broker.url);
    expect(await client.subscribe(['ok/a', 'deny/b'], { qos: 2 })).toEqual([
      { topicFilter: 'ok/a', reasonCode: 1, qos: 1 },
      { topicFilter: 'deny/b', reasonCode: 0x87, qos: undefined },
    ]);
    await expect(client.subscribe('deny/c')).rejects.toMatchObject({
      code: 'SUBSCRIBE_FAILED',
      reasonCode: 0x87,
    });
    expect(await client.unsubscribe('ok/a')).toEqual([0]);
  });

  it('reports a server DISCONNECT with its reason and reconnects', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url, fast);
    const seen: Array<[number, string | undefined]> = [];
    client.on('disconnect', (info) => seen.push([info.reasonCode, info.reasonString]));
    broker.connections[0]?.send({
      type: 'disconnect',
      reasonCode: 0x8b,
      properties: { reasonString: 'maintenance' },
    });
    await broker.until(() => broker?.connections.length === 2);
    await client.whenConnected();
    expect(seen).toEqual([[0x8b, 'maintenance']]);
  });
});

describe('end', () => {
  it('[MQTT-3.14.4-2] waits for in-flight work, sends DISCONNECT and closes; idempotent', async () => {
    let release: (() => void) | undefined;
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type !== 'publish') return defaultBehaviour(packet, c);
        release = () => c.send({ type: 'puback', packetId: packet.packetId as number });
      },
    });
    client = await connect(broker.url);
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    const published = client.publish('t', 'x', { qos: 1 });
    await broker.until(() => release !== undefined);
    const ending = client.end();
    expect(client.end()).toBe(ending);
    await expect(client.publish('t', 'late')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    release?.();
    await published;
    await ending;
    await broker.connections[0]?.closed;
    expect(broker.all('disconnect')).toHaveLength(1);
    expect(states).toEqual(['closed']);
  });

  it('rejects what is still unacknowledged with CLIENT_CLOSED after the timeout', async () => {
    broker = await FakeBroker.start({
      onPacket: (packet, c) => {
        if (packet.type !== 'publish') defaultBehaviour(packet, c);
      },
    });
    client = await connect(broker.url);
    const published = client.publish('t', 'x', { qos: 1 }).catch((error: unknown) => error);
    await client.end({ timeout: 50 });
    expect(await published).toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(client.state).toBe('closed');
  });

  it('ends iterators and connection waiters', async () => {
    broker = await FakeBroker.start({ connack: () => undefined });
    client = createClient(broker.url, fast);
    const waiting = client.whenConnected();
    const stream = client.messages();
    await client.end({ force: true });
    await expect(waiting).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});

describe('accepting while closing', () => {
  it('end() waits for a publish whose store write is still pending, and a forced end rejects it', async () => {
    broker = await FakeBroker.start();
    const dir = mkdtempSync(join(tmpdir(), 'mq-accept-'));
    try {
      client = await connect(broker.url, { store: new FileStore(join(dir, 'a.log')) });
      const graceful = client.publish('t', 'x', { qos: 1 });
      await client.end();
      expect(await graceful).toMatchObject({ reasonCode: 0 });

      const store = new FileStore(join(dir, 'b.log'));
      client = await connect(broker.url, { store });
      const forced = client.publish('t', 'y', { qos: 1 }).catch((error: unknown) => error);
      await client.end({ force: true });
      expect(await forced).toMatchObject({ code: 'CLIENT_CLOSED' });
      const again = new FileStore(join(dir, 'b.log'));
      expect((await again.load()).map((m) => m.topic)).toEqual(['t']);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
