import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthenticateContext, PublishContext, SubscribeContext } from '../src/index.js';
import { RawClient, type Started, startBroker, str, text } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

const publish = (topic: string, payload: string, packetId: number) =>
  ({ type: 'publish', topic, payload: text(payload), qos: 1, packetId, retain: false, dup: false }) as const;

describe('auth hooks', () => {
  it('hands the hooks the client identity, credentials and listener', async () => {
    const seen: { connect?: AuthenticateContext; publish?: PublishContext; subscribe?: SubscribeContext } =
      {};
    started = await startBroker({
      auth: {
        authenticate: (ctx) => {
          seen.connect = ctx;
          return true;
        },
        authorizePublish: (ctx) => {
          seen.publish = ctx;
          return true;
        },
        authorizeSubscribe: (ctx) => {
          seen.subscribe = ctx;
          return true;
        },
      },
    });
    const { client } = await RawClient.connect(started.port, {
      clientId: 'who',
      protocolVersion: 5,
      username: 'alice',
      password: text('secret'),
    });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: 'f/+', qos: 2, noLocal: true }],
    });
    await client.expectPacket('suback');
    client.send(publish('f/x', 'body', 2));
    await client.expectPacket('puback');
    expect(seen.connect).toMatchObject({
      clientId: 'who',
      username: 'alice',
      protocolVersion: 5,
      listener: 'tcp',
    });
    expect(str(seen.connect!.password!)).toBe('secret');
    expect(seen.connect!.remoteAddress).toMatch(/127\.0\.0\.1/);
    expect(seen.subscribe).toMatchObject({
      clientId: 'who',
      username: 'alice',
      subscription: { topicFilter: 'f/+', qos: 2, noLocal: true },
    });
    expect(seen.publish).toMatchObject({ clientId: 'who', topic: 'f/x', qos: 1, retain: false });
    expect(str(seen.publish!.payload)).toBe('body');
    await client.end();
  });

  it('keeps packet order while an async hook is pending', async () => {
    started = await startBroker({
      auth: {
        authorizePublish: async (ctx) => {
          // The first message takes longest; it must still be routed first.
          await new Promise((r) => setTimeout(r, str(ctx.payload) === '0' ? 100 : 1));
          return true;
        },
      },
    });
    const { client: sub } = await RawClient.connect(started.port, { clientId: 'sub' });
    sub.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'o', qos: 1 }] });
    await sub.expectPacket('suback');
    const { client: pub } = await RawClient.connect(started.port, { clientId: 'pub' });
    for (let i = 0; i < 3; i++) pub.send(publish('o', String(i), i + 1));
    const acks = [await pub.nextPacket(), await pub.nextPacket(), await pub.nextPacket()];
    expect(acks).toEqual([1, 2, 3].map((packetId) => ({ type: 'puback', packetId })));
    const got = [];
    for (let i = 0; i < 3; i++) got.push(str((await sub.expectPacket('publish')).payload));
    expect(got).toEqual(['0', '1', '2']);
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.2.2-8] [MQTT-3.4.2-1] replaces a reason code the packet cannot carry with Not authorized', async () => {
    started = await startBroker({
      auth: {
        authenticate: (ctx) => ctx.clientId !== 'odd' || { ok: false, reasonCode: 0x8e },
        authorizePublish: () => ({ ok: false, reasonCode: 0x04 }),
        authorizeSubscribe: () => ({ ok: false, reasonCode: 0x95 }),
      },
    });
    const refused = await RawClient.connect(started.port, { clientId: 'odd', protocolVersion: 5 });
    expect(refused.connack).toMatchObject({ reasonCode: ReasonCode.NotAuthorized });
    await refused.client.closed();
    const { client } = await RawClient.connect(started.port, { clientId: 'c', protocolVersion: 5 });
    client.send(publish('p', 'x', 1));
    expect(await client.nextPacket()).toMatchObject({ type: 'puback', reasonCode: ReasonCode.NotAuthorized });
    client.send({ type: 'subscribe', packetId: 2, subscriptions: [{ topicFilter: 's', qos: 0 }] });
    expect(await client.nextPacket()).toMatchObject({
      type: 'suback',
      reasonCodes: [ReasonCode.NotAuthorized],
    });
    await client.end();
  });

  it('answers CONNACK Server unavailable when the authenticate hook throws', async () => {
    started = await startBroker({
      auth: {
        authenticate: async () => {
          throw new Error('directory down');
        },
      },
    });
    const v5 = await RawClient.connect(started.port, { clientId: 'a', protocolVersion: 5 });
    expect(v5.connack).toMatchObject({ reasonCode: ReasonCode.ServerUnavailable });
    await v5.client.closed();
    const v4 = await RawClient.connect(started.port, { clientId: 'b' });
    expect(v4.connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 3 });
    await v4.client.closed();
  });

  it('takes a synchronous answer from the authenticate hook: refusal, acceptance, and a synchronous throw', async () => {
    started = await startBroker({
      auth: {
        authenticate: (ctx) => {
          if (ctx.clientId === 'boom') throw new Error('directory down');
          return ctx.username === 'ok' ? true : { ok: false, reasonCode: ReasonCode.NotAuthorized };
        },
      },
    });
    const refused = await RawClient.connect(started.port, {
      clientId: 'c',
      protocolVersion: 5,
      username: 'no',
    });
    expect(refused.connack).toMatchObject({ reasonCode: ReasonCode.NotAuthorized });
    await refused.client.closed();
    const accepted = await RawClient.connect(started.port, {
      clientId: 'd',
      protocolVersion: 5,
      username: 'ok',
    });
    expect(accepted.connack).toMatchObject({ reasonCode: ReasonCode.Success });
    const boom = await RawClient.connect(started.port, { clientId: 'boom', protocolVersion: 5 });
    expect(boom.connack).toMatchObject({ reasonCode: ReasonCode.ServerUnavailable });
    await boom.client.closed();
    await accepted.client.end();
  });
});
