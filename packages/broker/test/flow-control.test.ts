import net from 'node:net';
import { encodePacket, PacketDecoder, ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { connectPacket, RawClient, type Started, startBroker, text, until } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('flow control and backpressure', () => {
  it('[MQTT-3.3.4-7] disconnects with 0x93 a client exceeding the broker Receive Maximum', async () => {
    started = await startBroker({ limits: { receiveMaximum: 2 } });
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'greedy',
      protocolVersion: 5,
    });
    expect(connack).toMatchObject({ properties: { receiveMaximum: 2 } });
    for (let i = 1; i <= 3; i++) {
      client.send({
        type: 'publish',
        topic: 'q2',
        payload: text('x'),
        qos: 2,
        packetId: i,
        retain: false,
        dup: false,
      });
    }
    expect(await client.nextPacket()).toMatchObject({ type: 'pubrec', packetId: 1 });
    expect(await client.nextPacket()).toMatchObject({ type: 'pubrec', packetId: 2 });
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.ReceiveMaximumExceeded,
    });
    await client.closed();
  });

  it('frees Receive Maximum slots on PUBREL', async () => {
    started = await startBroker({ limits: { receiveMaximum: 1 } });
    const { client } = await RawClient.connect(started.port, { clientId: 'fair', protocolVersion: 5 });
    for (let i = 1; i <= 3; i++) {
      client.send({
        type: 'publish',
        topic: 'q2',
        payload: text('x'),
        qos: 2,
        packetId: i,
        retain: false,
        dup: false,
      });
      expect(await client.nextPacket()).toMatchObject({ type: 'pubrec', packetId: i });
      client.send({ type: 'pubrel', packetId: i });
      expect(await client.nextPacket()).toMatchObject({ type: 'pubcomp', packetId: i });
    }
    await client.end();
  });

  it('drops QoS 0 and queues QoS 1 for a subscriber that stops reading, without slowing others', async () => {
    started = await startBroker({ limits: { socketHighWaterMark: 64 * 1024 } });
    const { client: slow } = await RawClient.connect(started.port, { clientId: 'slow' });
    slow.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: 'flood/0', qos: 0 },
        { topicFilter: 'flood/1', qos: 1 },
      ],
    });
    await slow.expectPacket('suback');
    slow.socket.pause();
    const { client: fast } = await RawClient.connect(started.port, { clientId: 'fast' });
    fast.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'flood/#', qos: 0 }] });
    await fast.expectPacket('suback');
    const payload = new Uint8Array(32 * 1024);
    for (let i = 0; i < 200; i++) {
      started.broker.publishMessage({
        topic: `flood/${i % 2}`,
        payload,
        qos: (i % 2) as 0 | 1,
        retain: false,
      });
      await new Promise((r) => setImmediate(r));
    }
    let fastCount = 0;
    while (fastCount < 200) {
      await fast.expectPacket('publish');
      fastCount++;
    }
    expect(started.broker.stats.qos0Dropped).toBeGreaterThan(0);
    const session = started.broker.sessions.get('slow')!;
    expect(session.queue.length).toBeGreaterThan(0);
    await fast.end();
    slow.destroy();
  });

  it('holds a QoS 0 publisher back instead of dropping while a subscriber socket is backed up (backpressure)', async () => {
    started = await startBroker({ limits: { socketHighWaterMark: 64 * 1024 } });
    const { client: slow } = await RawClient.connect(started.port, { clientId: 'slow0' });
    slow.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'q0/#', qos: 0 }] });
    await slow.expectPacket('suback');
    slow.socket.pause();
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub0' });
    const count = 300;
    for (let i = 0; i < count; i++) {
      const payload = new Uint8Array(32 * 1024);
      new DataView(payload.buffer).setUint32(0, i);
      pub.send({ type: 'publish', topic: `q0/${i % 3}`, qos: 0, retain: false, dup: false, payload });
    }
    // The broker stops reading the publisher once the subscriber's socket is over the mark.
    await until(() => started!.broker.connections.get('slow0')?.canWrite() === false);
    slow.socket.resume();
    for (let i = 0; i < count; i++) {
      const p = await slow.expectPacket('publish', 15_000);
      expect(new DataView(p.payload.buffer, p.payload.byteOffset).getUint32(0)).toBe(i);
    }
    expect(started.broker.stats.qos0Dropped).toBe(0);
    await Promise.all([pub.end(), slow.end()]);
  });

  it("drops QoS 0 for a backed-up subscriber under queuePolicy 'drop-new' rather than slowing its publisher", async () => {
    started = await startBroker({ limits: { socketHighWaterMark: 64 * 1024, queuePolicy: 'drop-new' } });
    const { client: slow } = await RawClient.connect(started.port, { clientId: 'slow1' });
    slow.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'q0/#', qos: 0 }] });
    await slow.expectPacket('suback');
    slow.socket.pause();
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub1' });
    const payload = new Uint8Array(32 * 1024);
    for (let i = 0; i < 300; i++) {
      pub.send({ type: 'publish', topic: 'q0/x', qos: 0, retain: false, dup: false, payload });
    }
    // The publisher is never held: a PINGREQ after its burst is answered while the subscriber still stalls.
    pub.send({ type: 'pingreq' });
    await pub.expectPacket('pingresp', 15_000);
    expect(started.broker.stats.qos0Dropped).toBeGreaterThan(0);
    await pub.end();
    slow.destroy();
  });

  it('stops reading a client that does not read its replies, and reads on once it does', async () => {
    started = await startBroker({ limits: { socketHighWaterMark: 64 * 1024 } });
    const socket = net.connect(started.port, '127.0.0.1');
    const decoder = new PacketDecoder({ protocolVersion: 5, side: 'client' });
    let connack = false;
    let refused = 0;
    socket.on('data', (chunk) =>
      decoder.push(chunk, (p) => {
        if (p.type === 'connack') connack = true;
        if (p.type === 'puback' && p.reasonCode === ReasonCode.PayloadFormatInvalid) refused++;
      }),
    );
    socket.write(encodePacket(connectPacket({ clientId: 'deaf', protocolVersion: 5 }), 5));
    await until(() => connack);
    socket.pause();
    // 11 bytes in, about 35 out: PUBACK 0x99 with a reason string for a payload that is not UTF-8.
    const one = encodePacket(
      {
        type: 'publish',
        topic: 't',
        qos: 1,
        packetId: 1,
        retain: false,
        dup: false,
        payload: Uint8Array.of(0xff),
        properties: { payloadFormatIndicator: 1 },
      },
      5,
    );
    const count = 300_000;
    const thousand = Buffer.concat(Array.from({ length: 1000 }, () => one));
    for (let i = 0; i < count / 1000; i++) socket.write(thousand);
    const connection = started.broker.connections.get('deaf')!;
    // Settled: the broker read part of it, then stopped with its own backlog near twice the mark.
    let read = -1;
    while (read !== started.broker.stats.bytesReceived) {
      read = started.broker.stats.bytesReceived;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(read).toBeLessThan(count * one.length * 0.8);
    expect(connection.pendingOutputBytes).toBeLessThan(2 * 64 * 1024 + 300 * 1024);
    // Reading again, the client gets every answer: nothing was dropped, nothing is stuck.
    socket.resume();
    await until(() => refused === count, 20_000);
    socket.destroy();
  }, 30_000);

  it('bounds the bytes a client can queue while a hook is pending by maxPacketSize, not only by packet count', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    started = await startBroker({
      limits: { maxPacketSize: 256 * 1024 },
      auth: { authorizePublish: () => gate.then(() => true) },
    });
    const { client } = await RawClient.connect(started.port, { clientId: 'bulky' });
    const before = started.broker.stats.bytesReceived;
    // 40 x 200 KiB = 8 MB, far under maxPendingPackets (1000) but 30 times maxPacketSize.
    for (let i = 1; i <= 40; i++) {
      client.send({
        type: 'publish',
        topic: 'bulk',
        qos: 1,
        packetId: i,
        retain: false,
        dup: false,
        payload: new Uint8Array(200 * 1024),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The first PUBLISH waits on the hook; the socket pauses once about maxPacketSize more is queued.
    expect(started.broker.stats.bytesReceived - before).toBeLessThan(1024 * 1024);
    release();
    for (let i = 1; i <= 40; i++) expect((await client.expectPacket('puback', 10_000)).packetId).toBe(i);
    await client.end();
  }, 30_000);

  it('survives a client flooding QoS 0 PUBLISH', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'flood' });
    const burst = new Uint8Array(50_000 * 6);
    for (let i = 0; i < 50_000; i++) burst.set([0x30, 0x04, 0x00, 0x01, 0x66, 0x78], i * 6);
    client.writeRaw(burst);
    client.send({ type: 'pingreq' });
    expect(await client.nextPacket(15_000)).toEqual({ type: 'pingresp' });
    expect(started.broker.stats.publishReceived).toBe(50_000);
    await client.end();
  });
});
