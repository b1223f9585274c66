import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

/** Connects a client, sends raw bytes, and returns what came back before the broker closed. */
async function sendAfterConnect(port: number, version: 4 | 5, bytes: number[]) {
  const { client } = await RawClient.connect(port, { clientId: `m${version}`, protocolVersion: version });
  client.writeRaw(bytes);
  const reply = await client.expectNoPacket(2000);
  await client.closed();
  return reply;
}

describe('malformed packets and protocol errors', () => {
  it('[MQTT-2.2.2-1] [MQTT-2.2.2-2] [MQTT-3.8.1-1] closes a 3.1.1 connection sending SUBSCRIBE with wrong fixed header flags', async () => {
    started = await startBroker();
    // SUBSCRIBE with flags 0000 instead of 0010
    expect(
      await sendAfterConnect(started.port, 4, [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]),
    ).toBeUndefined();
  });

  it('[MQTT-3.8.1-1] [MQTT-2.1.3-1] answers wrong SUBSCRIBE flags from a v5 client with DISCONNECT 0x81', async () => {
    started = await startBroker();
    const reply = await sendAfterConnect(
      started.port,
      5,
      [0x80, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x00],
    );
    expect(reply).toMatchObject({ type: 'disconnect', reasonCode: ReasonCode.MalformedPacket });
  });

  it('[MQTT-3.6.1-1] closes the connection on PUBREL with wrong fixed header flags', async () => {
    started = await startBroker();
    expect(await sendAfterConnect(started.port, 4, [0x60, 0x02, 0x00, 0x01])).toBeUndefined();
  });

  it('[MQTT-3.10.1-1] closes the connection on UNSUBSCRIBE with wrong fixed header flags', async () => {
    started = await startBroker();
    expect(
      await sendAfterConnect(started.port, 4, [0xa0, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]),
    ).toBeUndefined();
  });

  it('[MQTT-3.3.1-4] closes the connection on PUBLISH with both QoS bits set', async () => {
    started = await startBroker();
    expect(
      await sendAfterConnect(started.port, 4, [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]),
    ).toBeUndefined();
  });

  it('[MQTT-3.8.3-3] [MQTT-3.8.3-2] closes the connection on SUBSCRIBE without any topic filter', async () => {
    started = await startBroker();
    expect(await sendAfterConnect(started.port, 4, [0x82, 0x02, 0x00, 0x01])).toBeUndefined();
  });

  it('[MQTT-3.10.3-2] closes the connection on UNSUBSCRIBE without any topic filter', async () => {
    started = await startBroker();
    expect(await sendAfterConnect(started.port, 4, [0xa2, 0x02, 0x00, 0x01])).toBeUndefined();
  });

  it('[MQTT-3.8.3-4] [MQTT-3.8.3-5] closes the connection on SUBSCRIBE with reserved option bits or QoS 3', async () => {
    started = await startBroker();
    expect(
      await sendAfterConnect(started.port, 4, [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03]),
    ).toBeUndefined();
    const reply = await sendAfterConnect(
      started.port,
      5,
      [0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0xc0],
    );
    expect(reply).toMatchObject({ type: 'disconnect', reasonCode: ReasonCode.MalformedPacket });
  });

  it('[MQTT-1.5.3-1] [MQTT-1.5.4-1] [MQTT-3.3.2-1] closes the connection on a topic with ill-formed UTF-8', async () => {
    started = await startBroker();
    // PUBLISH topic 0xED 0xA0 0x80 (an encoded surrogate)
    expect(
      await sendAfterConnect(started.port, 4, [0x30, 0x05, 0x00, 0x03, 0xed, 0xa0, 0x80]),
    ).toBeUndefined();
  });

  it('[MQTT-1.5.3-2] [MQTT-1.5.4-2] [MQTT-4.7.3-2] closes the connection on a topic containing U+0000', async () => {
    started = await startBroker();
    expect(
      await sendAfterConnect(started.port, 4, [0x30, 0x05, 0x00, 0x03, 0x61, 0x00, 0x62]),
    ).toBeUndefined();
  });

  it('[MQTT-3.3.2-2] [MQTT-4.7.0-1] [MQTT-4.7.1-1] answers a wildcard in a v5 PUBLISH topic with DISCONNECT 0x90', async () => {
    started = await startBroker();
    const reply = await sendAfterConnect(started.port, 5, [0x30, 0x05, 0x00, 0x01, 0x23, 0x00, 0x78]);
    expect(reply).toMatchObject({ type: 'disconnect', reasonCode: ReasonCode.TopicNameInvalid });
  });

  it('[MQTT-1.5.5-1] closes the connection on a non-minimal Remaining Length', async () => {
    started = await startBroker();
    expect(await sendAfterConnect(started.port, 4, [0xc0, 0x80, 0x00])).toBeUndefined();
  });

  it('[MQTT-3.14.1-1] closes the connection on DISCONNECT with reserved flags set', async () => {
    started = await startBroker();
    expect(await sendAfterConnect(started.port, 4, [0xe1, 0x00])).toBeUndefined();
  });

  it('[MQTT-3.15.1-1] [MQTT-4.12.0-7] treats AUTH from a client without an authentication method as a protocol error', async () => {
    started = await startBroker();
    const reply = await sendAfterConnect(started.port, 5, [0xf0, 0x00]);
    expect(reply).toMatchObject({ type: 'disconnect' });
  });

  it('answers a packet above maxPacketSize with DISCONNECT 0x95 before buffering it', async () => {
    started = await startBroker({ limits: { maxPacketSize: 1024 } });
    const { client } = await RawClient.connect(started.port, { clientId: 'big', protocolVersion: 5 });
    // Remaining Length 100000 announced; the body never needs to arrive.
    client.writeRaw([0x30, 0xa0, 0x8d, 0x06, 0x00, 0x01, 0x61]);
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.PacketTooLarge,
    });
    await client.closed();
  });

  it('survives garbage bytes and keeps serving other clients', async () => {
    started = await startBroker();
    const errors: Error[] = [];
    started.broker.on('clientError', (_c, err) => errors.push(err));
    for (const garbage of [
      [0x00, 0x00],
      [0xff, 0xff, 0xff, 0xff, 0xff],
      [0x10, 0x01, 0x00],
      Array(64).fill(0x7f),
    ]) {
      const client = await RawClient.open(started.port);
      client.writeRaw(garbage);
      await client.closed();
    }
    expect(errors.length).toBeGreaterThan(0);
    const { client, connack } = await RawClient.connect(started.port, { clientId: 'after' });
    expect(connack).toMatchObject({ reasonCode: 0 });
    await client.end();
  });

  it('[MQTT-4.8.0-1] [MQTT-4.13.2-1] closes after any packet a server must never receive (CONNACK)', async () => {
    started = await startBroker();
    const reply = await sendAfterConnect(started.port, 5, [0x20, 0x03, 0x00, 0x00, 0x00]);
    expect(reply).toMatchObject({ type: 'disconnect', reasonCode: ReasonCode.ProtocolError });
  });

  it('[MQTT-1.5.7-1] [MQTT-3.3.2-13] [MQTT-3.3.2-19] closes on ill-formed UTF-8 in a user property, response topic or content type', async () => {
    started = await startBroker();
    const cases = [
      // user property key 0xFF
      [0x30, 0x0b, 0x00, 0x01, 0x61, 0x07, 0x26, 0x00, 0x01, 0xff, 0x00, 0x01, 0x61],
      // response topic 0xFF
      [0x30, 0x08, 0x00, 0x01, 0x61, 0x04, 0x08, 0x00, 0x01, 0xff],
      // content type 0xFF
      [0x30, 0x08, 0x00, 0x01, 0x61, 0x04, 0x03, 0x00, 0x01, 0xff],
    ];
    for (const bytes of cases) {
      const reply = await sendAfterConnect(started.port, 5, bytes);
      expect(reply).toMatchObject({ type: 'disconnect', reasonCode: ReasonCode.MalformedPacket });
    }
  });

  it('[MQTT-3.3.2-14] disconnects a client whose Response Topic contains a wildcard', async () => {
    started = await startBroker();
    const reply = await sendAfterConnect(
      started.port,
      5,
      [0x30, 0x0a, 0x00, 0x01, 0x61, 0x06, 0x08, 0x00, 0x03, 0x61, 0x2f, 0x23],
    );
    expect(reply).toMatchObject({ type: 'disconnect' });
  });

  it('[MQTT-3.8.3-1] [MQTT-3.10.3-1] closes on ill-formed UTF-8 in a SUBSCRIBE or UNSUBSCRIBE topic filter', async () => {
    started = await startBroker();
    expect(
      await sendAfterConnect(started.port, 4, [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0xff, 0x00]),
    ).toBeUndefined();
    expect(
      await sendAfterConnect(started.port, 4, [0xa2, 0x05, 0x00, 0x01, 0x00, 0x01, 0xff]),
    ).toBeUndefined();
  });

  it('[MQTT-4.7.3-1] closes on an empty topic name or topic filter', async () => {
    started = await startBroker();
    expect(await sendAfterConnect(started.port, 4, [0x30, 0x03, 0x00, 0x00, 0x78])).toBeUndefined();
    expect(
      await sendAfterConnect(started.port, 4, [0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00]),
    ).toBeUndefined();
  });

  it('[MQTT-2.3.1-1] closes on a QoS 1 PUBLISH or a SUBSCRIBE with packet identifier 0', async () => {
    started = await startBroker();
    expect(
      await sendAfterConnect(started.port, 4, [0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00]),
    ).toBeUndefined();
    expect(
      await sendAfterConnect(started.port, 4, [0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00]),
    ).toBeUndefined();
  });
});
