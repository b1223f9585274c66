import net from 'node:net';
import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { type Broker, createBroker, type ListenerFactory, serverListener } from '../src/index.js';
import { endClient, mqttConnect, RawClient, text } from './harness.js';

let broker: Broker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

describe('broker API', () => {
  it('listens on several listeners and reports their bound addresses', async () => {
    broker = createBroker({
      listeners: [
        { type: 'tcp', port: 0 },
        { type: 'tcp', host: '127.0.0.1', port: 0 },
        { type: 'ws', port: 0 },
      ],
      sys: { enabled: false },
    });
    const addresses = await broker.listen();
    expect(addresses.map((a) => a.type)).toEqual(['tcp', 'tcp', 'ws']);
    expect(new Set(addresses.map((a) => a.port)).size).toBe(3);
    expect(broker.addresses()).toEqual(addresses);
    for (const a of addresses) expect(a.port).toBeGreaterThan(0);
  });

  it('closes gracefully: v5 clients get DISCONNECT 0x8B; close() is idempotent', async () => {
    broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }], sys: { enabled: false } });
    const [address] = await broker.listen();
    const v5 = await RawClient.connect(address!.port, { clientId: 'a', protocolVersion: 5 });
    const v4 = await RawClient.connect(address!.port, { clientId: 'b' });
    const first = broker.close();
    const second = broker.close();
    expect(second).toBe(first);
    expect(await v5.client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.ServerShuttingDown,
    });
    await v5.client.closed();
    await v4.client.closed();
    await first;
    await expect(RawClient.open(address!.port)).rejects.toThrow();
  });

  it('emits client, subscribe, publish, unsubscribe and clientDisconnect events', async () => {
    broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }], sys: { enabled: false } });
    const [address] = await broker.listen();
    const events: string[] = [];
    broker.on('client', (c) => events.push(`client:${c.clientId}`));
    broker.on('subscribe', (subs, c) =>
      events.push(`subscribe:${c.clientId}:${subs.map((s) => s.topicFilter)}`),
    );
    broker.on('publish', (m, c) => events.push(`publish:${c?.clientId}:${m.topic}`));
    broker.on('unsubscribe', (filters, c) => events.push(`unsubscribe:${c.clientId}:${filters}`));
    const disconnected = new Promise<void>((resolve) =>
      broker!.on('clientDisconnect', (c, info) => {
        events.push(`disconnect:${c.clientId}:${info.by}`);
        resolve();
      }),
    );
    const client = await mqttConnect(address!.port, { clientId: 'ev' });
    await client.subscribeAsync('e');
    await client.publishAsync('e', 'x', { qos: 1 });
    await client.unsubscribeAsync('e');
    await endClient(client);
    await disconnected;
    expect(events).toEqual([
      'client:ev',
      'subscribe:ev:e',
      'publish:ev:e',
      'unsubscribe:ev:e',
      'disconnect:ev:client',
    ]);
  });

  it('accepts extra listener types through listenerFactories (the seam for tls and wss)', async () => {
    let made = 0;
    const custom: ListenerFactory<{ type: 'custom-tcp'; port: number }> = (config, accept) => {
      made++;
      const server = net.createServer((socket) => accept({ stream: socket, listener: 'custom-tcp' }));
      return serverListener('custom-tcp', server, '127.0.0.1', config.port);
    };
    broker = createBroker({
      listeners: [{ type: 'custom-tcp', port: 0 }],
      listenerFactories: { 'custom-tcp': custom },
      sys: { enabled: false },
    });
    const [address] = await broker.listen();
    expect(made).toBe(1);
    const listeners: string[] = [];
    broker.on('client', (c) => listeners.push(c.listener));
    const { client, connack } = await RawClient.connect(address!.port, { clientId: 'c' });
    expect(connack).toMatchObject({ reasonCode: 0 });
    expect(listeners).toEqual(['custom-tcp']);
    await client.end();
  });

  it('rejects unknown listener types and invalid limits', () => {
    expect(() => createBroker({ listeners: [{ type: 'carrier-pigeon', port: 0 }] })).toThrow(TypeError);
    expect(() => createBroker({ limits: { receiveMaximum: 0 } })).toThrow(RangeError);
  });

  it('publishes application messages with publishMessage()', async () => {
    broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }], sys: { enabled: false } });
    const [address] = await broker.listen();
    const { client } = await RawClient.connect(address!.port, { clientId: 'app' });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'app', qos: 1 }] });
    await client.expectPacket('suback');
    broker.publishMessage({ topic: 'app', payload: text('from app'), qos: 1, retain: false });
    expect(await client.expectPacket('publish')).toMatchObject({ topic: 'app', qos: 1 });
    await client.end();
  });

  it('rejects listen() when a port is taken, leaving nothing bound', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    broker = createBroker({ listeners: [{ type: 'tcp', port }], sys: { enabled: false } });
    await expect(broker.listen()).rejects.toThrow(/EADDRINUSE/);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it('disconnects a client on request, v5 with DISCONNECT 0x98', async () => {
    broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }], sys: { enabled: false } });
    const [address] = await broker.listen();
    const { client } = await RawClient.connect(address!.port, { clientId: 'kick', protocolVersion: 5 });
    const gone = new Promise((resolve) => broker!.once('clientDisconnect', resolve));
    expect(broker.disconnectClient('kick')).toBe(true);
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.AdministrativeAction,
    });
    await client.closed();
    await gone;
    expect(broker.disconnectClient('kick')).toBe(false);
  });

  it('keeps serving when an event listener throws', async () => {
    const errors: string[] = [];
    broker = createBroker({
      listeners: [{ type: 'tcp', port: 0 }],
      sys: { enabled: false },
      logger: {
        debug: () => {},
        info: () => {},
        warn: () => {},
        error: (_o, msg) => errors.push(String(msg)),
      },
    });
    const [address] = await broker.listen();
    broker.on('client', () => {
      throw new Error('listener bug');
    });
    const { client, connack } = await RawClient.connect(address!.port, { clientId: 'fine' });
    expect(connack).toMatchObject({ reasonCode: 0 });
    client.send({ type: 'pingreq' });
    expect(await client.nextPacket()).toEqual({ type: 'pingresp' });
    expect(errors).toEqual(['event listener failed']);
    await client.end();
  });
});
