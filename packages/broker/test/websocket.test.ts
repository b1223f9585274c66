import { encodePacket, type Packet, PacketDecoder } from '@mq/codec';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Broker, createBroker } from '../src/index.js';
import { collectMessages, connectPacket, endClient, text } from './harness.js';

let broker: Broker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

async function startWs(path?: string) {
  broker = createBroker({
    listeners: [
      { type: 'tcp', port: 0 },
      { type: 'ws', port: 0, ...(path && { path }) },
    ],
    sys: { enabled: false },
  });
  const addresses = await broker.listen();
  return addresses.find((a) => a.type === 'ws')!;
}

function openWs(url: string, protocols: string[] = ['mqtt']) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function packets(ws: WebSocket, version: 4 | 5 = 4) {
  const decoder = new PacketDecoder({ protocolVersion: version, side: 'client' });
  const got: Packet[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data: Buffer) => {
    decoder.push(data, (p) => got.push(p));
    for (const w of waiters.splice(0)) w();
  });
  return {
    async next(): Promise<Packet> {
      while (got.length === 0) await new Promise<void>((r) => waiters.push(r));
      return got.shift()!;
    },
  };
}

describe('WebSocket listener', () => {
  it('closes a connection whose WebSocket message exceeds the Maximum Packet Size before holding it (1009)', async () => {
    broker = createBroker({
      listeners: [{ type: 'ws', port: 0 }],
      limits: { maxPacketSize: 64 * 1024 },
      sys: { enabled: false },
    });
    const [address] = await broker.listen();
    const ws = await openWs(`ws://127.0.0.1:${address!.port}/mqtt`);
    const replies = packets(ws, 5);
    ws.send(encodePacket(connectPacket({ clientId: 'big-frame', protocolVersion: 5 }), 5));
    expect((await replies.next()).type).toBe('connack');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // A PUBLISH announcing 256 MiB, in one 2 MiB message: ws would buffer up to 100 MiB of it by default.
    const frame = Buffer.alloc(2 * 1024 * 1024);
    frame.set([0x30, 0xff, 0xff, 0xff, 0x7f]);
    ws.send(frame);
    expect(await closed).toBe(1009);
    expect(broker.connections.size).toBe(0);
  });

  it('rejects listen() with EADDRINUSE when the WebSocket port is taken, without an uncaught error', async () => {
    const first = await startWs();
    const second = createBroker({ listeners: [{ type: 'ws', port: first.port }], sys: { enabled: false } });
    await expect(second.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await second.close();
  });

  it('refuses a maxMessageBytes that is not a positive integer', async () => {
    broker = createBroker({
      listeners: [{ type: 'ws', port: 0, maxMessageBytes: 0 }],
      sys: { enabled: false },
    });
    await expect(broker.listen()).rejects.toThrow(/maxMessageBytes/);
  });

  it('[MQTT-6.0.0-4] [MQTT-4.2.0-1] [MQTT-7.1.1-1] serves MQTT.js over ws with the mqtt subprotocol', async () => {
    const address = await startWs();
    const client = mqtt.connect(`ws://127.0.0.1:${address.port}/mqtt`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    await new Promise((resolve) => client.once('connect', resolve));
    const got = collectMessages(client);
    await client.subscribeAsync('ws/#', { qos: 1 });
    await client.publishAsync('ws/a', 'over websocket', { qos: 1 });
    await got.waitForCount(1);
    expect(got.messages[0]).toMatchObject({ topic: 'ws/a', payload: 'over websocket' });
    await endClient(client);
  });

  it('[MQTT-6.0.0-4] selects the "mqtt" subprotocol', async () => {
    const address = await startWs();
    const ws = await openWs(`ws://127.0.0.1:${address.port}/mqtt`, ['mqtt']);
    expect(ws.protocol).toBe('mqtt');
    ws.close();
  });

  it('[MQTT-6.0.0-2] reassembles packets split across frames and several packets in one frame', async () => {
    const address = await startWs();
    const ws = await openWs(`ws://127.0.0.1:${address.port}/mqtt`);
    const incoming = packets(ws);
    const connect = encodePacket(connectPacket({ clientId: 'split' }), 4);
    for (const byte of connect) ws.send(Uint8Array.of(byte));
    expect(await incoming.next()).toMatchObject({ type: 'connack', reasonCode: 0 });
    const subscribe = encodePacket(
      { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 's', qos: 0 }] },
      4,
    );
    const publish = encodePacket(
      { type: 'publish', topic: 's', payload: text('p'), qos: 0, retain: false, dup: false },
      4,
    );
    const both = new Uint8Array(subscribe.length + publish.length + 1);
    both.set(subscribe);
    both.set(publish, subscribe.length);
    both[both.length - 1] = 0xc0; // first byte of a PINGREQ, completed in the next frame
    ws.send(both);
    ws.send(Uint8Array.of(0x00));
    expect(await incoming.next()).toMatchObject({ type: 'suback' });
    expect(await incoming.next()).toMatchObject({ type: 'publish', topic: 's' });
    expect(await incoming.next()).toEqual({ type: 'pingresp' });
    ws.close();
  });

  it('[MQTT-6.0.0-1] closes the connection on a text frame', async () => {
    const address = await startWs();
    const ws = await openWs(`ws://127.0.0.1:${address.port}/mqtt`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('not binary');
    expect(await closed).toBeGreaterThan(1000);
  });

  it('listens on a configured path only', async () => {
    const address = await startWs('/custom');
    const ws = await openWs(`ws://127.0.0.1:${address.port}/custom`);
    expect(ws.protocol).toBe('mqtt');
    ws.close();
    await expect(openWs(`ws://127.0.0.1:${address.port}/mqtt`)).rejects.toThrow();
  });

  it('routes between TCP and WebSocket clients', async () => {
    const address = await startWs();
    const tcp = broker!.addresses().find((a) => a.type === 'tcp')!;
    const wsClient = mqtt.connect(`ws://127.0.0.1:${address.port}/mqtt`, { reconnectPeriod: 0 });
    await new Promise((resolve) => wsClient.once('connect', resolve));
    const got = collectMessages(wsClient);
    await wsClient.subscribeAsync('mix', { qos: 0 });
    const tcpClient = mqtt.connect({ host: '127.0.0.1', port: tcp.port, reconnectPeriod: 0 });
    await new Promise((resolve) => tcpClient.once('connect', resolve));
    await tcpClient.publishAsync('mix', 'from tcp');
    await got.waitForCount(1);
    await endClient(tcpClient);
    await endClient(wsClient);
  });
});
