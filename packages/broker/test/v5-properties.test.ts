import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, str, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

async function sub5(port: number, clientId: string, filter: string, properties = {}, qos: 0 | 1 | 2 = 1) {
  const { client, connack } = await RawClient.connect(port, { clientId, protocolVersion: 5, properties });
  client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: filter, qos }] });
  await client.expectPacket('suback');
  return { client, connack };
}

describe('MQTT 5 properties', () => {
  it('[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] passes publish properties on unaltered', async () => {
    started = await startBroker();
    const { client: sub } = await sub5(started.port, 'sub', 'props');
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub', protocolVersion: 5 });
    const properties = {
      payloadFormatIndicator: 1,
      contentType: 'text/plain; charset=utf-8',
      responseTopic: 'reply/here',
      correlationData: Uint8Array.of(1, 2, 3, 255),
      userProperties: [
        ['z', '1'],
        ['a', '2'],
        ['z', '3'],
      ] as Array<[string, string]>,
    };
    pub.send({
      type: 'publish',
      topic: 'props',
      payload: text('hi'),
      qos: 1,
      packetId: 1,
      retain: false,
      dup: false,
      properties,
    });
    const got = await sub.expectPacket('publish');
    expect(got.properties).toMatchObject({
      payloadFormatIndicator: 1,
      contentType: 'text/plain; charset=utf-8',
      responseTopic: 'reply/here',
      userProperties: properties.userProperties,
    });
    expect([...(got.properties?.correlationData ?? [])]).toEqual([1, 2, 3, 255]);
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.3.2-6] sends the Message Expiry Interval of a live message', async () => {
    started = await startBroker();
    const { client: sub } = await sub5(started.port, 'sub', 'exp');
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub', protocolVersion: 5 });
    pub.send({
      type: 'publish',
      topic: 'exp',
      payload: text('x'),
      qos: 0,
      retain: false,
      dup: false,
      properties: { messageExpiryInterval: 30 },
    });
    const got = await sub.expectPacket('publish');
    expect(got.properties?.messageExpiryInterval).toBeGreaterThanOrEqual(29);
    expect(got.properties?.messageExpiryInterval).toBeLessThanOrEqual(30);
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.1.2-24] [MQTT-3.1.2-25] does not send a message larger than the client Maximum Packet Size, then carries on', async () => {
    started = await startBroker();
    const { client: sub } = await sub5(started.port, 'sub', 'big/#', { maximumPacketSize: 200 });
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub', protocolVersion: 5 });
    const send = (topic: string, size: number, packetId: number) =>
      pub.send({
        type: 'publish',
        topic,
        payload: new Uint8Array(size),
        qos: 1,
        packetId,
        retain: false,
        dup: false,
      });
    send('big/large', 500, 1);
    send('big/small', 10, 2);
    const got = await sub.expectPacket('publish');
    expect(got.topic).toBe('big/small');
    expect(started.broker.stats.oversizeDropped).toBe(1);
    expect(started.broker.sessions.get('sub')?.inflight.size).toBe(1);
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.3.4-9] [MQTT-4.9.0-1] [MQTT-4.9.0-2] sends no more unacknowledged QoS 1/2 messages than the client Receive Maximum', async () => {
    started = await startBroker();
    const { client: sub } = await sub5(started.port, 'sub', 'rm', { receiveMaximum: 2 });
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub', protocolVersion: 5 });
    for (let i = 1; i <= 5; i++) {
      pub.send({
        type: 'publish',
        topic: 'rm',
        payload: text(String(i)),
        qos: 1,
        packetId: i,
        retain: false,
        dup: false,
      });
    }
    const a = await sub.expectPacket('publish');
    const b = await sub.expectPacket('publish');
    expect(await sub.expectNoPacket(300)).toBeUndefined();
    sub.send({ type: 'puback', packetId: a.packetId! });
    const c = await sub.expectPacket('publish');
    expect(await sub.expectNoPacket(200)).toBeUndefined();
    expect([a, b, c].map((p) => str(p.payload))).toEqual(['1', '2', '3']);
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.3.4-10] [MQTT-4.9.0-3] keeps answering other packets while the send quota is zero', async () => {
    started = await startBroker();
    const { client: sub } = await sub5(started.port, 'sub', 'q0', { receiveMaximum: 1 });
    started.broker.publishMessage({ topic: 'q0', payload: text('1'), qos: 1, retain: false });
    started.broker.publishMessage({ topic: 'q0', payload: text('2'), qos: 1, retain: false });
    await sub.expectPacket('publish');
    sub.send({ type: 'pingreq' });
    expect(await sub.nextPacket()).toEqual({ type: 'pingresp' });
    sub.send({ type: 'subscribe', packetId: 9, subscriptions: [{ topicFilter: 'other', qos: 0 }] });
    expect(await sub.nextPacket()).toMatchObject({ type: 'suback', packetId: 9 });
    await sub.end();
  });

  it('[MQTT-3.1.2-28] [MQTT-4.12.0-6] returns Response Information only when asked, and never an Authentication Method', async () => {
    started = await startBroker({ responseInformation: (clientId) => `reply/${clientId}` });
    const asked = await RawClient.connect(started.port, {
      clientId: 'asks',
      protocolVersion: 5,
      properties: { requestResponseInformation: true },
    });
    expect(asked.connack).toMatchObject({ properties: { responseInformation: 'reply/asks' } });
    const silent = await RawClient.connect(started.port, {
      clientId: 'silent',
      protocolVersion: 5,
      properties: { requestResponseInformation: false },
    });
    for (const { connack } of [asked, silent]) {
      expect(connack.type === 'connack' && connack.properties?.authenticationMethod).toBeFalsy();
    }
    expect(silent.connack.type === 'connack' && silent.connack.properties?.responseInformation).toBeFalsy();
    await asked.client.end();
    await silent.client.end();
  });
  it('[MQTT-3.1.2-29] sends no Reason String on acks when Request Problem Information is 0', async () => {
    started = await startBroker({
      auth: { authorizePublish: () => ({ ok: false, reasonCode: 0x87, reasonString: 'no' }) },
    });
    const quiet = await RawClient.connect(started.port, {
      clientId: 'quiet',
      protocolVersion: 5,
      properties: { requestProblemInformation: false },
    });
    const chatty = await RawClient.connect(started.port, { clientId: 'chatty', protocolVersion: 5 });
    for (const { client } of [quiet, chatty]) {
      client.send({
        type: 'publish',
        topic: 'x',
        payload: text('x'),
        qos: 1,
        packetId: 1,
        retain: false,
        dup: false,
      });
    }
    expect(await quiet.client.nextPacket()).toEqual({ type: 'puback', packetId: 1, reasonCode: 0x87 });
    expect(await chatty.client.nextPacket()).toEqual({
      type: 'puback',
      packetId: 1,
      reasonCode: 0x87,
      properties: { reasonString: 'no' },
    });
    await quiet.client.end();
    await chatty.client.end();
  });

  it('[MQTT-3.4.2-2] [MQTT-3.4.2-3] [MQTT-3.5.2-2] [MQTT-3.5.2-3] leaves the Reason String out of a PUBACK or PUBREC that would exceed the client Maximum Packet Size', async () => {
    started = await startBroker({
      auth: { authorizePublish: () => ({ ok: false, reasonCode: 0x87, reasonString: 'r'.repeat(100) }) },
    });
    const { client } = await RawClient.connect(started.port, {
      clientId: 'small',
      protocolVersion: 5,
      properties: { maximumPacketSize: 32 },
    });
    client.send({
      type: 'publish',
      topic: 'x',
      payload: text('x'),
      qos: 1,
      packetId: 1,
      retain: false,
      dup: false,
    });
    client.send({
      type: 'publish',
      topic: 'x',
      payload: text('x'),
      qos: 2,
      packetId: 2,
      retain: false,
      dup: false,
    });
    expect(await client.nextPacket()).toEqual({ type: 'puback', packetId: 1, reasonCode: 0x87 });
    expect(await client.nextPacket()).toEqual({ type: 'pubrec', packetId: 2, reasonCode: 0x87 });
    await client.end();
  });

  it('[MQTT-3.14.2-2] [MQTT-3.14.0-1] [MQTT-3.14.2-1] never puts Session Expiry Interval in a server DISCONNECT', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, {
      clientId: 'c',
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 10 },
    });
    await started.close();
    const got = await client.expectPacket('disconnect');
    expect(got.reasonCode).toBe(ReasonCode.ServerShuttingDown);
    expect(got.properties?.sessionExpiryInterval).toBeUndefined();
    await client.closed();
  });

  it('caps the Session Expiry Interval at sessionExpiryMaxSeconds and says so in CONNACK', async () => {
    started = await startBroker({ sessionExpiryMaxSeconds: 60 });
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'c',
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 0xffffffff },
    });
    expect(connack).toMatchObject({ properties: { sessionExpiryInterval: 60 } });
    await client.end();
  });

  it('[MQTT-2.2.2-1] sends a Property Length of zero when a packet has no properties', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'raw', protocolVersion: 5 });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 't', qos: 0 }] });
    await client.expectPacket('suback');
    const raw = new Promise<Buffer>((resolve) => client.socket.once('data', resolve));
    started.broker.publishMessage({ topic: 't', payload: text('p'), qos: 0, retain: false });
    // PUBLISH, remaining length 5: topic "t", property length 0, payload "p"
    expect([...(await raw)]).toEqual([0x30, 0x05, 0x00, 0x01, 0x74, 0x00, 0x70]);
    await client.end();
  });

  it('[MQTT-3.14.2-3] [MQTT-3.14.2-4] leaves Reason String out of a DISCONNECT that would exceed the client Maximum Packet Size', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, {
      clientId: 'tiny',
      protocolVersion: 5,
      properties: { maximumPacketSize: 8 },
    });
    client.send({
      type: 'connect',
      protocolVersion: 5,
      protocolName: 'MQTT',
      clientId: 'tiny',
      cleanStart: true,
      keepAlive: 0,
    });
    expect(await client.nextPacket()).toEqual({ type: 'disconnect', reasonCode: ReasonCode.ProtocolError });
    await client.closed();
  });

  it('refuses a PUBLISH whose Payload Format Indicator says UTF-8 when the payload is not (0x99)', async () => {
    started = await startBroker();
    const { client: sub } = await sub5(started.port, 'sub', 'pfi');
    const { client } = await RawClient.connect(started.port, { clientId: 'p', protocolVersion: 5 });
    const send = (payload: Uint8Array, packetId: number) =>
      client.send({
        type: 'publish',
        topic: 'pfi',
        payload,
        qos: 1,
        packetId,
        retain: false,
        dup: false,
        properties: { payloadFormatIndicator: 1 },
      });
    send(Uint8Array.of(0xff, 0xfe), 1);
    expect(await client.nextPacket()).toMatchObject({
      type: 'puback',
      packetId: 1,
      reasonCode: ReasonCode.PayloadFormatInvalid,
    });
    send(text('ünïcode'), 2);
    expect(await client.nextPacket()).toMatchObject({ type: 'puback', packetId: 2 });
    const got = await sub.expectPacket('publish');
    expect(str(got.payload)).toBe('ünïcode');
    expect(got.properties?.payloadFormatIndicator).toBe(1);
    await client.end();
    await sub.end();
  });
});
