import { ReasonCode } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { connectPacket, RawClient, type Started, startBroker } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

/** A 3.1.1 CONNECT with these Connect Flags, keep alive 60 and client id "x", and no other payload field. */
function connectWithFlags(flags: number): number[] {
  return [0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, 0x00, 0x3c, 0x00, 0x01, 0x78];
}

/** A 5.0 CONNECT for client id "x" with the given name, level, flags and property bytes. */
function connectV5Raw(options: {
  name?: string;
  level?: number;
  flags?: number;
  properties?: number[];
}): number[] {
  const name = [...Buffer.from(options.name ?? 'MQTT')];
  const properties = options.properties ?? [];
  const body = [
    0x00,
    name.length,
    ...name,
    options.level ?? 5,
    options.flags ?? 0x02,
    0x00,
    0x3c,
    properties.length,
    ...properties,
    0x00,
    0x01,
    0x78,
  ];
  return [0x10, body.length, ...body];
}

describe('CONNECT and CONNACK', () => {
  it.each([
    ['a reserved CONNECT flag', connectV5Raw({ flags: 0x03 }), ReasonCode.MalformedPacket],
    [
      'Session Expiry Interval twice',
      connectV5Raw({ properties: [0x11, 0, 0, 0, 0, 0x11, 0, 0, 0, 0] }),
      ReasonCode.ProtocolError,
    ],
    ['an unknown property', connectV5Raw({ properties: [0x7f, 0] }), ReasonCode.MalformedPacket],
    ['level 5 named MQIsdp', connectV5Raw({ name: 'MQIsdp' }), ReasonCode.UnsupportedProtocolVersion],
  ])(
    '[MQTT-3.1.4-1] answers a 5.0 CONNECT with %s by CONNACK with its reason code, then closes',
    async (_what, bytes, code) => {
      started = await startBroker();
      const client = await RawClient.open(started.port, 5);
      client.writeRaw(bytes);
      expect(await client.nextPacket()).toMatchObject({
        type: 'connack',
        sessionPresent: false,
        reasonCode: code,
      });
      await client.closed();
    },
  );

  it('[MQTT-3.1.0-2] answers a second CONNECT with DISCONNECT 0x82, even one with an unknown protocol name', async () => {
    started = await startBroker();
    for (const second of [connectV5Raw({}), connectV5Raw({ name: 'MQTX' }), connectV5Raw({ level: 7 })]) {
      const { client } = await RawClient.connect(started.port, { clientId: 'twice', protocolVersion: 5 });
      client.writeRaw(second);
      expect(await client.nextPacket()).toMatchObject({
        type: 'disconnect',
        reasonCode: ReasonCode.ProtocolError,
      });
      await client.closed();
    }
  });

  it('[MQTT-3.1.4-4] [MQTT-3.2.0-1] answers a 3.1.1 CONNECT with CONNACK accepted', async () => {
    started = await startBroker();
    const { client, connack } = await RawClient.connect(started.port, { clientId: 'c1' });
    expect(connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    await client.end();
  });

  it('accepts MQTT 3.1 (MQIsdp, level 3)', async () => {
    started = await startBroker();
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'old',
      protocolVersion: 3,
    });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
    await client.end();
  });

  it('resumes an MQTT 3.1 session with the reserved CONNACK byte left 0 (3.1 has no Session Present)', async () => {
    started = await startBroker();
    const first = await RawClient.connect(started.port, {
      clientId: 'old31',
      protocolVersion: 3,
      cleanStart: false,
    });
    first.client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'a/b', qos: 1 }] });
    await first.client.expectPacket('suback');
    await first.client.end();
    const raw = await RawClient.open(started.port, 3);
    const bytes: number[] = [];
    raw.socket.prependListener('data', (chunk: Buffer) => bytes.push(...chunk));
    raw.send(connectPacket({ clientId: 'old31', protocolVersion: 3, cleanStart: false }));
    await raw.expectPacket('connack');
    expect(bytes.slice(0, 4)).toEqual([0x20, 0x02, 0x00, 0x00]);
    expect(started.broker.sessions.get('old31')?.subscriptions.has('a/b')).toBe(true);
    await raw.end();
  });

  it('[MQTT-3.2.2-2] resumes an MQTT 3.1.1 session with CONNACK Session Present 1', async () => {
    started = await startBroker();
    const first = await RawClient.connect(started.port, { clientId: 'resume4', cleanStart: false });
    await first.client.end();
    const again = await RawClient.connect(started.port, { clientId: 'resume4', cleanStart: false });
    expect(again.connack).toEqual({ type: 'connack', sessionPresent: true, reasonCode: 0 });
    await again.client.end();
  });

  it('[MQTT-3.1.4-5] [MQTT-3.2.2-8] answers a 5.0 CONNECT with CONNACK Success and its capabilities', async () => {
    started = await startBroker({
      limits: { receiveMaximum: 50, topicAliasMaximum: 8, maxPacketSize: 4096 },
    });
    const { client, connack } = await RawClient.connect(started.port, { clientId: 'v5', protocolVersion: 5 });
    expect(connack).toMatchObject({
      type: 'connack',
      sessionPresent: false,
      reasonCode: ReasonCode.Success,
      properties: {
        receiveMaximum: 50,
        topicAliasMaximum: 8,
        maximumPacketSize: 4096,
        retainAvailable: true,
        wildcardSubscriptionAvailable: true,
        subscriptionIdentifiersAvailable: true,
        sharedSubscriptionAvailable: true,
      },
    });
    await client.end();
  });

  it('[MQTT-3.1.2-2] answers an unsupported protocol level with CONNACK 0x01 and closes', async () => {
    started = await startBroker();
    const client = await RawClient.open(started.port);
    // CONNECT, protocol name MQTT, level 6, clean session, keep alive 60, client id "x"
    client.writeRaw([
      0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x06, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x78,
    ]);
    expect(await client.nextPacket()).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 1 });
    await client.closed();
  });

  it('[MQTT-3.1.0-1] closes a connection whose first packet is not CONNECT', async () => {
    started = await startBroker();
    const client = await RawClient.open(started.port);
    client.send({ type: 'pingreq' });
    await client.closed();
    expect(client.error).toBeUndefined();
  });

  it('[MQTT-3.1.0-2] treats a second CONNECT as a protocol error (3.1.1: close)', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'twice' });
    client.send(connectPacket({ clientId: 'twice' }));
    await client.closed();
  });

  it('[MQTT-3.1.0-2] [MQTT-4.13.1-1] [MQTT-3.2.0-2] [MQTT-3.14.4-1] [MQTT-3.14.4-2] answers a second 5.0 CONNECT with DISCONNECT 0x82 and closes', async () => {
    started = await startBroker();
    const { client } = await RawClient.connect(started.port, { clientId: 'twice5', protocolVersion: 5 });
    client.send(connectPacket({ clientId: 'twice5', protocolVersion: 5 }));
    expect(await client.nextPacket()).toMatchObject({
      type: 'disconnect',
      reasonCode: ReasonCode.ProtocolError,
    });
    await client.closed();
  });

  it('[MQTT-3.1.3-8] [MQTT-3.1.3-9] [MQTT-3.2.2-4] [MQTT-3.2.2-5] refuses an empty 3.1.1 client id without Clean Session with return code 0x02', async () => {
    started = await startBroker();
    const { client, connack } = await RawClient.connect(started.port, { clientId: '', cleanStart: false });
    expect(connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 2 });
    await client.closed();
  });

  it('[MQTT-3.1.3-6] accepts an empty 3.1.1 client id with Clean Session by assigning one', async () => {
    started = await startBroker();
    const ids: string[] = [];
    started.broker.on('client', (c) => ids.push(c.clientId));
    const { client, connack } = await RawClient.connect(started.port, { clientId: '' });
    expect(connack).toMatchObject({ reasonCode: 0 });
    expect(ids[0]?.length).toBeGreaterThan(0);
    await client.end();
  });

  it('[MQTT-3.1.3-6] [MQTT-3.1.3-7] [MQTT-3.2.2-16] assigns a unique client id to an empty 5.0 client id and returns it', async () => {
    started = await startBroker();
    const a = await RawClient.connect(started.port, { clientId: '', protocolVersion: 5 });
    const b = await RawClient.connect(started.port, { clientId: '', protocolVersion: 5 });
    const idA = a.connack.type === 'connack' ? a.connack.properties?.assignedClientIdentifier : undefined;
    const idB = b.connack.type === 'connack' ? b.connack.properties?.assignedClientIdentifier : undefined;
    expect(idA).toMatch(/^mq-/);
    expect(idB).toMatch(/^mq-/);
    expect(idA).not.toBe(idB);
    await a.client.end();
    await b.client.end();
  });

  it('[MQTT-3.1.3-5] accepts a 23-character alphanumeric client id', async () => {
    started = await startBroker();
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'abcdefghijABCDEFGHIJ012',
    });
    expect(connack).toMatchObject({ reasonCode: 0 });
    await client.end();
  });

  it('[MQTT-3.2.2-1] [MQTT-3.2.2-2] [MQTT-3.2.2-3] [MQTT-3.1.3-2] sets Session Present 0 for Clean Start and 1 when resuming a session', async () => {
    started = await startBroker();
    const first = await RawClient.connect(started.port, { clientId: 'sp', cleanStart: false });
    expect(first.connack).toMatchObject({ sessionPresent: false });
    await first.client.end();
    const second = await RawClient.connect(started.port, { clientId: 'sp', cleanStart: false });
    expect(second.connack).toMatchObject({ sessionPresent: true });
    await second.client.end();
    const third = await RawClient.connect(started.port, { clientId: 'sp', cleanStart: true });
    expect(third.connack).toMatchObject({ sessionPresent: false });
    await third.client.end();
  });

  it('[MQTT-3.2.2-3] [MQTT-3.1.2-6] sets Session Present 0 for Clean Start 0 without a stored session (5.0)', async () => {
    started = await startBroker();
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'fresh',
      protocolVersion: 5,
      cleanStart: false,
      properties: { sessionExpiryInterval: 30 },
    });
    expect(connack).toMatchObject({ sessionPresent: false, reasonCode: 0 });
    await client.end();
  });

  it('[MQTT-3.1.4-2] [MQTT-3.2.2-6] [MQTT-3.2.2-7] refuses a CONNECT the authenticate hook denies', async () => {
    started = await startBroker({
      auth: { authenticate: async (ctx) => ctx.username === 'good' || { ok: false, reasonCode: 0x86 } },
    });
    const bad5 = await RawClient.connect(started.port, {
      clientId: 'b5',
      protocolVersion: 5,
      username: 'bad',
    });
    expect(bad5.connack).toMatchObject({
      sessionPresent: false,
      reasonCode: ReasonCode.BadUserNameOrPassword,
    });
    await bad5.client.closed();
    const bad4 = await RawClient.connect(started.port, { clientId: 'b4', username: 'bad' });
    expect(bad4.connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 4 });
    await bad4.client.closed();
    const good = await RawClient.connect(started.port, { clientId: 'g', username: 'good' });
    expect(good.connack).toMatchObject({ reasonCode: 0 });
    await good.client.end();
  });

  it('[MQTT-3.1.4-6] [MQTT-3.1.4-5] processes nothing sent after a refused CONNECT', async () => {
    const published: string[] = [];
    started = await startBroker({ auth: { authenticate: () => false } });
    started.broker.on('publish', (m) => published.push(m.topic));
    const client = await RawClient.open(started.port);
    client.send(connectPacket({ clientId: 'nope' }));
    client.send({
      type: 'publish',
      topic: 'sneaky',
      payload: new Uint8Array(1),
      qos: 0,
      retain: false,
      dup: false,
    });
    expect(await client.nextPacket()).toMatchObject({ type: 'connack', reasonCode: 5 });
    await client.closed();
    expect(published).toEqual([]);
  });

  it('[MQTT-4.12.0-1] refuses an unsupported Authentication Method with 0x8C', async () => {
    started = await startBroker();
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'am',
      protocolVersion: 5,
      properties: { authenticationMethod: 'SCRAM-SHA-1' },
    });
    expect(connack).toMatchObject({ reasonCode: ReasonCode.BadAuthenticationMethod, sessionPresent: false });
    await client.closed();
  });

  it('closes a socket that never sends CONNECT after connectTimeoutMs', async () => {
    started = await startBroker({ limits: { connectTimeoutMs: 200 } });
    const client = await RawClient.open(started.port);
    await client.closed(5000);
  });

  it('[MQTT-3.1.2-3] closes the connection when the CONNECT reserved flag is set', async () => {
    started = await startBroker();
    const client = await RawClient.open(started.port);
    client.writeRaw([
      0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x03, 0x00, 0x3c, 0x00, 0x01, 0x78,
    ]);
    await client.closed();
  });

  it('[MQTT-3.1.4-1] [MQTT-3.2.2-6] [MQTT-3.1.2-22] closes without CONNACK when the CONNECT is malformed', async () => {
    started = await startBroker();
    const client = await RawClient.open(started.port);
    // Password flag without user name flag (3.1.1)
    client.writeRaw([
      0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x42, 0x00, 0x3c, 0x00, 0x01, 0x78,
    ]);
    await expect(client.nextPacket()).rejects.toThrow(/closed/);
  });

  it('[MQTT-3.1.2-1] closes the connection when the protocol name is wrong', async () => {
    started = await startBroker();
    const client = await RawClient.open(started.port);
    // protocol name "MQTX"
    client.writeRaw([
      0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x58, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x78,
    ]);
    await client.closed();
  });

  it('[MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15] closes on CONNECT with Will QoS or Will Retain set but no Will Flag', async () => {
    started = await startBroker();
    for (const flags of [0x0a, 0x22]) {
      const client = await RawClient.open(started.port);
      client.writeRaw(connectWithFlags(flags));
      await expect(client.nextPacket()).rejects.toThrow(/closed/);
    }
  });

  it('[MQTT-3.1.2-12] [MQTT-3.1.2-14] closes on CONNECT with Will QoS 3', async () => {
    started = await startBroker();
    const client = await RawClient.open(started.port);
    // flags: will flag, will QoS 3, clean; payload: id "x", will topic "w", will message ""
    client.writeRaw([
      0x10, 0x12, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x1e, 0x00, 0x3c, 0x00, 0x01, 0x78, 0x00, 0x01,
      0x77, 0x00, 0x00,
    ]);
    await expect(client.nextPacket()).rejects.toThrow(/closed/);
  });

  it('[MQTT-3.1.2-17] [MQTT-3.1.2-19] [MQTT-3.1.2-21] closes on CONNECT whose User Name or Password flag promises a missing field', async () => {
    started = await startBroker();
    for (const flags of [0x82, 0xc2]) {
      const client = await RawClient.open(started.port);
      client.writeRaw(connectWithFlags(flags));
      await expect(client.nextPacket()).rejects.toThrow(/closed/);
    }
  });

  it('[MQTT-3.1.2-16] [MQTT-3.1.2-18] [MQTT-3.1.2-20] closes on CONNECT carrying a user name or password its flags do not announce', async () => {
    started = await startBroker();
    // flags clean only; payload id "x" followed by an unannounced user name "u"
    const client = await RawClient.open(started.port);
    client.writeRaw([
      0x10, 0x10, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x78, 0x00, 0x01,
      0x75,
    ]);
    await expect(client.nextPacket()).rejects.toThrow(/closed/);
  });

  it('[MQTT-3.1.3-1] [MQTT-3.1.3-3] [MQTT-3.1.2-9] reads client id, will, user name and password in that order', async () => {
    const seen: Array<[string, string | undefined, string]> = [];
    started = await startBroker({
      auth: {
        authenticate: (ctx) => {
          seen.push([ctx.clientId, ctx.username, new TextDecoder().decode(ctx.password)]);
          return true;
        },
      },
    });
    for (const protocolVersion of [4, 5] as const) {
      const { client, connack } = await RawClient.connect(started.port, {
        clientId: `full${protocolVersion}`,
        protocolVersion,
        username: 'user',
        password: new TextEncoder().encode('pass'),
        will: { topic: 'w', payload: new Uint8Array(1), qos: 1, retain: false },
      });
      expect(connack).toMatchObject({ reasonCode: 0 });
      client.send({ type: 'disconnect' });
      await client.closed();
    }
    expect(seen).toEqual([
      ['full4', 'user', 'pass'],
      ['full5', 'user', 'pass'],
    ]);
  });

  it('[MQTT-3.1.3-4] [MQTT-3.1.3-10] [MQTT-3.1.3-11] [MQTT-3.1.3-12] closes on ill-formed UTF-8 in client id, will topic or user name', async () => {
    started = await startBroker();
    const cases = [
      // client id 0xC3 0x28
      [0x10, 0x0e, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x02, 0xc3, 0x28],
      // will topic 0xFF
      [
        0x10, 0x12, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x06, 0x00, 0x3c, 0x00, 0x01, 0x78, 0x00, 0x01,
        0xff, 0x00, 0x00,
      ],
      // user name 0xFF
      [
        0x10, 0x10, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x82, 0x00, 0x3c, 0x00, 0x01, 0x78, 0x00, 0x01,
        0xff,
      ],
    ];
    for (const bytes of cases) {
      const client = await RawClient.open(started.port);
      client.writeRaw(bytes);
      await expect(client.nextPacket()).rejects.toThrow(/closed/);
    }
  });

  it('[MQTT-3.1.3-8] refuses a client id the authenticate hook rejects with 0x85 (v5) and closes', async () => {
    started = await startBroker({
      auth: { authenticate: (ctx) => ctx.clientId !== 'banned-id' || { ok: false, reasonCode: 0x85 } },
    });
    const { client, connack } = await RawClient.connect(started.port, {
      clientId: 'banned-id',
      protocolVersion: 5,
    });
    expect(connack).toMatchObject({ reasonCode: ReasonCode.ClientIdentifierNotValid, sessionPresent: false });
    await client.closed();
  });

  it('[MQTT-3.2.2-19] [MQTT-3.2.2-20] leaves the Reason String out of a CONNACK that would exceed the client Maximum Packet Size', async () => {
    started = await startBroker({
      auth: { authenticate: () => ({ ok: false, reasonCode: 0x87, reasonString: 'x'.repeat(200) }) },
    });
    const big = await RawClient.connect(started.port, { clientId: 'big', protocolVersion: 5 });
    expect(big.connack).toMatchObject({ reasonCode: 0x87, properties: { reasonString: 'x'.repeat(200) } });
    const small = await RawClient.connect(started.port, {
      clientId: 'small',
      protocolVersion: 5,
      properties: { maximumPacketSize: 64 },
    });
    expect(small.connack).toMatchObject({ reasonCode: 0x87 });
    expect(small.connack.type === 'connack' && small.connack.properties?.reasonString).toBeFalsy();
    await big.client.closed();
    await small.client.closed();
  });
});
