import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('session takeover', () => {
  it('[MQTT-3.1.4-3] sends the old v5 connection DISCONNECT 0x8E and closes it', async () => {
    started = await startBroker();
    const old = await RawClient.connect(started.port, { clientId: 'same', protocolVersion: 5 });
    const fresh = await RawClient.connect(started.port, { clientId: 'same', protocolVersion: 5 });
    expect(fresh.connack).toMatchObject({ reasonCode: 0 });
    expect(await old.client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.SessionTakenOver,
    });
    await old.client.closed();
    await fresh.client.end();
  });

  it('[MQTT-3.1.4-2] closes the old 3.1.1 connection and keeps the session for Clean Session 0', async () => {
    started = await startBroker();
    const old = await RawClient.connect(started.port, { clientId: 'same4', cleanStart: false });
    old.client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'k', qos: 1 }] });
    await old.client.expectPacket('suback');
    const fresh = await RawClient.connect(started.port, { clientId: 'same4', cleanStart: false });
    expect(fresh.connack).toMatchObject({ sessionPresent: true });
    await old.client.closed();
    const { client: p } = await RawClient.connect(started.port, { clientId: 'p' });
    p.send({
      type: 'publish',
      topic: 'k',
      payload: text('v'),
      qos: 1,
      packetId: 1,
      retain: false,
      dup: false,
    });
    expect(await fresh.client.expectPacket('publish')).toMatchObject({ topic: 'k' });
    await p.end();
    await fresh.client.end();
  });

  it('[MQTT-3.1.4-4] [MQTT-3.1.2-4] discards the taken-over session when the new connection sets Clean Start', async () => {
    started = await startBroker();
    const old = await RawClient.connect(started.port, {
      clientId: 'same5',
      protocolVersion: 5,
      cleanStart: false,
      properties: { sessionExpiryInterval: 100 },
    });
    old.client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'k', qos: 1 }] });
    await old.client.expectPacket('suback');
    const fresh = await RawClient.connect(started.port, {
      clientId: 'same5',
      protocolVersion: 5,
      cleanStart: true,
    });
    expect(fresh.connack).toMatchObject({ sessionPresent: false });
    expect(started.broker.sessions.get('same5')?.subscriptions.size).toBe(0);
    await old.client.closed();
    await fresh.client.end();
  });

  it('reports the taken-over connection in a clientDisconnect event with 0x8E', async () => {
    started = await startBroker();
    const reasons: number[] = [];
    started.broker.on('clientDisconnect', (_c, info) => reasons.push(info.reasonCode));
    const old = await RawClient.connect(started.port, { clientId: 'ev' });
    const fresh = await RawClient.connect(started.port, { clientId: 'ev' });
    await old.client.closed();
    await fresh.client.end();
    while (reasons.length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(reasons).toContain(ReasonCode.SessionTakenOver);
  });
});
