import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Packet, PublishPacket } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { MqttClient } from '../src/client.js';
import { connect, createClient } from '../src/index.js';
import { defaultBehaviour, FakeBroker, type FakeConnection } from './helpers/fake-broker.js';
import { waitUntil } from './helpers/transport-probe.js';

/*
 * Statements that bind the Client, proven against the scripted broker over real sockets: the order of
 * acknowledgements, acknowledging what nobody listens to, topic alias ranges, what Receive Maximum must not
 * hold back, DISCONNECT as the last packet, the 3.1.1 keep alive and client identifier rules, and the
 * WebSocket subprotocol.
 */

let broker: FakeBroker | undefined;
let client: MqttClient | undefined;
afterEach(async () => {
  await client?.end({ force: true });
  await broker?.close();
  client = undefined;
  broker = undefined;
});

const VERSIONS = [
  { protocolVersion: 5, label: '5.0' },
  { protocolVersion: 4, label: '3.1.1' },
] as const;

const incoming = (packetId: number, qos: 1 | 2, topic = 'in/x'): PublishPacket => ({
  type: 'publish',
  topic,
  payload: new TextEncoder().encode(`p${packetId}`),
  qos,
  retain: false,
  dup: false,
  packetId,
});

/** The acknowledgements a connection received, as `type id`, in arrival order. */
const acks = (c: FakeConnection, types: readonly Packet['type'][]) =>
  c.received.flatMap((p) => (types.includes(p.type) && 'packetId' in p ? [`${p.type} ${p.packetId}`] : []));

describe('acknowledgement order', () => {
  for (const { protocolVersion, label } of VERSIONS) {
    it(`[MQTT-4.6.0-2] [MQTT-4.6.0-3] sends PUBACKs, and PUBRECs, in the order their PUBLISHes arrived (${label})`, async () => {
      broker = await FakeBroker.start();
      client = await connect(broker.url, { protocolVersion });
      const c = broker.connections[0] as FakeConnection;
      // Interleaved QoS 1 and QoS 2, ids in no sorted order. Each kind of acknowledgement keeps its own
      // order; the statements do not order a PUBACK against a PUBREC.
      const order: Array<[number, 1 | 2]> = [
        [5, 1],
        [3, 2],
        [9, 1],
        [1, 2],
        [2, 1],
        [7, 2],
      ];
      for (const [id, qos] of order) c.send(incoming(id, qos));
      await broker.until(() => acks(c, ['puback', 'pubrec']).length === order.length);
      expect(acks(c, ['puback'])).toEqual(['puback 5', 'puback 9', 'puback 2']);
      expect(acks(c, ['pubrec'])).toEqual(['pubrec 3', 'pubrec 1', 'pubrec 7']);
    });

    it(`[MQTT-4.6.0-4] sends PUBREL in the order the PUBRECs arrived (${label})`, async () => {
      const held: number[] = [];
      broker = await FakeBroker.start({
        onPacket: (packet, c) => {
          if (packet.type !== 'publish') return defaultBehaviour(packet, c);
          held.push(packet.packetId as number);
          // Once all three are in, acknowledge them last to first, then middle.
          if (held.length === 3) {
            for (const id of [held[2], held[0], held[1]] as number[])
              c.send({ type: 'pubrec', packetId: id });
          }
        },
      });
      client = await connect(broker.url, { protocolVersion });
      const sent = ['a', 'b', 'c'].map((m) => client?.publish('out/x', m, { qos: 2 }));
      await Promise.all(sent);
      const c = broker.connections[0] as FakeConnection;
      expect(acks(c, ['pubrel'])).toEqual([held[2], held[0], held[1]].map((id) => `pubrel ${id}`));
    });
  }
});

describe('acknowledging what the application ignores', () => {
  for (const { protocolVersion, label } of VERSIONS) {
    it(`[MQTT-4.5.0-2] acknowledges QoS 1 and QoS 2 PUBLISHes with no message listener at all (${label})`, async () => {
      broker = await FakeBroker.start();
      client = await connect(broker.url, { protocolVersion });
      const c = broker.connections[0] as FakeConnection;
      c.send(incoming(11, 1, 'nobody/listens'));
      c.send(incoming(12, 2, 'nobody/listens'));
      await broker.until(() => acks(c, ['puback', 'pubrec']).length === 2);
      c.send({ type: 'pubrel', packetId: 12 });
      await broker.until(() => acks(c, ['pubcomp']).length === 1);
      expect(acks(c, ['puback', 'pubrec', 'pubcomp'])).toEqual(['puback 11', 'pubrec 12', 'pubcomp 12']);
    });
  }
});

describe('topic aliases from the server', () => {
  it('[MQTT-3.3.2-10] accepts every Topic Alias from 1 to the Topic Alias Maximum it sent', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url, { topicAliasMaximum: 3 });
    const topics: string[] = [];
    client.on('message', (m) => topics.push(m.topic));
    const c = broker.connections[0] as FakeConnection;
    const aliased = (alias: number, topic: string): PublishPacket => ({
      type: 'publish',
      topic,
      payload: new Uint8Array([alias]),
      qos: 0,
      retain: false,
      dup: false,
      properties: { topicAlias: alias },
    });
    // Each alias set with its topic, then used with an empty topic.
    for (const alias of [1, 2, 3]) c.send(aliased(alias, `alias/${alias}`));
    for (const alias of [3, 1, 2]) c.send(aliased(alias, ''));
    await waitUntil(() => topics.length === 6);
    expect(topics).toEqual(['alias/1', 'alias/2', 'alias/3', 'alias/3', 'alias/1', 'alias/2']);
    expect(c.received.some((p) => p.type === 'disconnect')).toBe(false);
    expect(client.state).toBe('connected');
  });
});

describe('Receive Maximum holds back PUBLISH only', () => {
  it('[MQTT-3.3.4-8] sends SUBSCRIBE, UNSUBSCRIBE and PINGREQ while Receive Maximum PUBLISHes await acknowledgement', async () => {
    broker = await FakeBroker.start({
      connack: () => ({ sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 1 } }),
      // PUBLISHes are never acknowledged: the window stays full.
      onPacket: (packet, c) => {
        if (packet.type !== 'publish') defaultBehaviour(packet, c);
      },
    });
    client = await connect(broker.url, { keepAlive: 1 });
    const c = broker.connections[0] as FakeConnection;
    void client.publish('held/1', 'x', { qos: 1 }).catch(() => {});
    void client.publish('held/2', 'y', { qos: 1 }).catch(() => {});
    await broker.until(() => c.received.some((p) => p.type === 'publish'));
    await client.subscribe('still/flowing', { qos: 1 });
    await client.unsubscribe('still/flowing');
    await broker.until(() => c.received.some((p) => p.type === 'pingreq'), 5_000);
    expect(c.received.filter((p) => p.type === 'publish')).toHaveLength(1);
    expect(c.received.map((p) => p.type)).toEqual(
      expect.arrayContaining(['subscribe', 'unsubscribe', 'pingreq']),
    );
  });
});

describe('DISCONNECT', () => {
  for (const { protocolVersion, label } of VERSIONS) {
    it(`[MQTT-3.14.4-1] sends nothing after DISCONNECT and closes the network connection itself (${label})`, async () => {
      broker = await FakeBroker.start({
        // Unlike a broker, this one keeps its side open: the client must close the connection.
        onPacket: (packet, c) => {
          if (packet.type !== 'disconnect') defaultBehaviour(packet, c);
        },
      });
      client = await connect(broker.url, { protocolVersion });
      await client.publish('before/end', 'x', { qos: 1 });
      await client.end();
      const c = broker.connections[0] as FakeConnection;
      await c.closed;
      expect(c.received.at(-1)?.type).toBe('disconnect');
      expect(c.received.filter((p) => p.type === 'disconnect')).toHaveLength(1);
      // Ended for good: no new connection either.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(broker.connections).toHaveLength(1);
    });
  }
});

describe('MQTT 3.1.1 rules', () => {
  it('[MQTT-3.1.2-23] sends PINGREQ when it has sent nothing else for the keep alive (3.1.1)', async () => {
    broker = await FakeBroker.start();
    client = await connect(broker.url, { protocolVersion: 4, keepAlive: 1 });
    const c = broker.connections[0] as FakeConnection;
    // Idle after CONNECT: only PINGREQs keep the connection alive, one per keep-alive period.
    await broker.until(() => c.received.filter((p) => p.type === 'pingreq').length >= 2, 8_000);
    expect(c.received.filter((p) => p.type !== 'pingreq').map((p) => p.type)).toEqual(['connect']);
  });

  it('[MQTT-3.1.3-7] sends an empty client identifier only with Clean Session 1 (3.1.1)', async () => {
    expect(() =>
      createClient('mqtt://127.0.0.1:1', { protocolVersion: 4, clientId: '', cleanStart: false }),
    ).toThrow(TypeError);
    broker = await FakeBroker.start();
    client = await connect(broker.url, { protocolVersion: 4, clientId: '' });
    const sent = broker.connections[0]?.connect;
    expect(sent).toMatchObject({ protocolVersion: 4, clientId: '', cleanStart: true });
  });
});

describe('WebSocket', () => {
  it('[MQTT-6.0.0-3] offers the "mqtt" WebSocket subprotocol', async () => {
    const offered: string[][] = [];
    const http = createServer();
    const wss = new WebSocketServer({
      server: http,
      handleProtocols: (protocols) => {
        offered.push([...protocols]);
        return 'mqtt';
      },
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    try {
      // No MQTT server behind it: the handshake is what this test looks at.
      client = createClient(`ws://127.0.0.1:${port}/mqtt`, { reconnect: false, connectTimeout: 500 });
      client.on('error', () => {});
      await waitUntil(() => offered.length > 0);
      expect(offered[0]).toContain('mqtt');
    } finally {
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
