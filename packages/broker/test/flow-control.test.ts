import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, text, until } from './harness.js';

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
