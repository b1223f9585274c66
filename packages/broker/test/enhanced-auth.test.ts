import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
// @mq/client depends on @mq/broker for its own tests, so it is imported from source, not as a dependency.
import type { MqttClient } from '../../client/src/client.js';
import { connect } from '../../client/src/index.js';
import type { AuthMethod, AuthStepResult } from '../src/index.js';
import { connectPacket, RawClient, type Started, startBroker, text } from './harness.js';

/**
 * A toy challenge-response method: the server sends a random nonce, the client answers
 * HMAC-SHA256(secret, nonce); the server's final data is "welcome".
 */
const SECRET = 'toy-secret';
const hmac = (secret: string, nonce: Uint8Array) => createHmac('sha256', secret).update(nonce).digest();

const toyMethod: AuthMethod = {
  step(ctx): AuthStepResult {
    if (ctx.step === 0) {
      if (ctx.data && new TextDecoder().decode(ctx.data) !== ctx.username) {
        return { ok: false, reasonCode: 0x86, reasonString: 'initial data must name the user' };
      }
      const nonce = randomBytes(16);
      ctx.exchange.nonce = nonce;
      return { continue: nonce };
    }
    const expected = hmac(SECRET, ctx.exchange.nonce as Buffer);
    const answer = Buffer.from(ctx.data ?? []);
    const ok = answer.length === expected.length && timingSafeEqual(answer, expected);
    return ok ? { ok: true, data: text('welcome') } : { ok: false, reasonCode: 0x87 };
  },
};

let started: Started | undefined;
const clients: Array<{ destroy(): void }> = [];
let client: MqttClient | undefined;
afterEach(async () => {
  await client?.end().catch(() => {});
  client = undefined;
  for (const c of clients.splice(0)) c.destroy();
  await started?.close();
  started = undefined;
});

async function start(): Promise<Started> {
  started = await startBroker({ auth: { methods: { 'TOY-HMAC': toyMethod }, authenticate: () => false } });
  return started;
}

async function openV5(port: number): Promise<RawClient> {
  const raw = await RawClient.open(port, 5);
  clients.push(raw);
  return raw;
}

const connectWithMethod = (method: string, data?: Uint8Array) =>
  connectPacket({
    clientId: 'toy',
    protocolVersion: 5,
    username: 'toy-user',
    properties: { authenticationMethod: method, ...(data && { authenticationData: data }) },
  });

describe('enhanced authentication (MQTT 5 AUTH)', () => {
  it('[MQTT-4.12.0-2] [MQTT-4.12.0-5] [MQTT-3.15.2-1] challenges with AUTH 0x18, then CONNACK carries the method and final data', async () => {
    const s = await start();
    const raw = await openV5(s.port);
    raw.send(connectWithMethod('TOY-HMAC', text('toy-user')));
    const challenge = await raw.nextPacket();
    expect(challenge).toMatchObject({
      type: 'auth',
      reasonCode: 0x18,
      properties: { authenticationMethod: 'TOY-HMAC' },
    });
    const nonce = (challenge as { properties: { authenticationData: Uint8Array } }).properties
      .authenticationData;
    raw.send({
      type: 'auth',
      reasonCode: 0x18,
      properties: { authenticationMethod: 'TOY-HMAC', authenticationData: hmac(SECRET, nonce) },
    });
    const connack = await raw.nextPacket();
    expect(connack).toMatchObject({
      type: 'connack',
      reasonCode: 0,
      properties: { authenticationMethod: 'TOY-HMAC' },
    });
    const final = (connack as { properties: { authenticationData?: Uint8Array } }).properties
      .authenticationData;
    expect(Buffer.from(final ?? []).toString()).toBe('welcome');
  });

  it('[MQTT-4.12.0-4] refuses a wrong answer with CONNACK 0x87 and closes the connection', async () => {
    const s = await start();
    const raw = await openV5(s.port);
    raw.send(connectWithMethod('TOY-HMAC'));
    await raw.nextPacket();
    raw.send({
      type: 'auth',
      reasonCode: 0x18,
      properties: { authenticationMethod: 'TOY-HMAC', authenticationData: text('guess') },
    });
    expect(await raw.nextPacket()).toMatchObject({ type: 'connack', reasonCode: 0x87 });
    await raw.closed();
  });

  it('an AUTH exchange that never ends is closed at connectTimeoutMs: its packets do not extend the deadline', async () => {
    // A method that challenges forever: only the CONNECT deadline can end it.
    const endless: AuthMethod = { step: () => ({ continue: text('again') }) };
    started = await startBroker({
      auth: { methods: { ENDLESS: endless } },
      limits: { connectTimeoutMs: 300 },
    });
    const raw = await openV5(started.port);
    raw.send(connectWithMethod('ENDLESS'));
    const answered = (async () => {
      // Answer every challenge at once, as a client stalling the broker would.
      for (;;) {
        const packet = await raw.nextPacket(5000);
        if (packet.type !== 'auth') return packet.type;
        raw.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'ENDLESS' } });
      }
    })().catch(() => 'closed');
    await raw.closed(3000);
    expect(await answered).toBe('closed');
  });

  it('[MQTT-4.12.0-1] still refuses a method no hook handles with CONNACK 0x8C', async () => {
    const s = await start();
    const raw = await openV5(s.port);
    raw.send(connectWithMethod('SCRAM-SHA-1'));
    expect(await raw.nextPacket()).toMatchObject({ type: 'connack', reasonCode: 0x8c });
    await raw.closed();
  });

  it('[MQTT-3.1.2-30] treats a packet other than AUTH during the exchange as a protocol error', async () => {
    const s = await start();
    const raw = await openV5(s.port);
    raw.send(connectWithMethod('TOY-HMAC'));
    await raw.nextPacket();
    raw.send({ type: 'pingreq' });
    await raw.closed();
  });

  it('[MQTT-4.12.0-5] treats an AUTH naming another method as a protocol error', async () => {
    const s = await start();
    const raw = await openV5(s.port);
    raw.send(connectWithMethod('TOY-HMAC'));
    await raw.nextPacket();
    raw.send({ type: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'OTHER' } });
    await raw.closed();
  });

  it('[MQTT-4.12.0-2] [MQTT-4.12.1-1] works with @mq/client onAuth and re-authenticates with AUTH 0x19', async () => {
    const s = await start();
    let secret = SECRET;
    client = await connect(`mqtt://127.0.0.1:${s.port}`, {
      protocolVersion: 5,
      clientId: 'toy-client',
      username: 'toy-user',
      reconnect: false,
      authenticationMethod: 'TOY-HMAC',
      authenticationData: text('toy-user'),
      onAuth: (challenge) => hmac(secret, challenge.authenticationData ?? new Uint8Array()),
    });
    await client.reauthenticate();
    secret = 'wrong';
    // A failed re-authentication ends the connection [MQTT-4.12.1-2].
    const disconnected = new Promise<void>((resolve) =>
      started!.broker.once('clientDisconnect', () => resolve()),
    );
    await expect(client.reauthenticate()).rejects.toThrow();
    await disconnected;
  });

  it('[MQTT-4.12.1-2] disconnects with 0x87 after a failed re-authentication (raw)', async () => {
    const s = await start();
    const raw = await openV5(s.port);
    raw.send(connectWithMethod('TOY-HMAC'));
    let challenge = (await raw.nextPacket()) as { properties: { authenticationData: Uint8Array } };
    const answer = (secret: string) => ({
      type: 'auth' as const,
      reasonCode: 0x18,
      properties: {
        authenticationMethod: 'TOY-HMAC',
        authenticationData: hmac(secret, challenge.properties.authenticationData),
      },
    });
    raw.send(answer(SECRET));
    expect(await raw.nextPacket()).toMatchObject({ type: 'connack', reasonCode: 0 });
    raw.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'TOY-HMAC' } });
    challenge = (await raw.nextPacket()) as typeof challenge;
    expect(challenge).toMatchObject({ type: 'auth', reasonCode: 0x18 });
    raw.send(answer(SECRET));
    expect(await raw.nextPacket()).toMatchObject({
      type: 'auth',
      reasonCode: 0,
      properties: { authenticationMethod: 'TOY-HMAC' },
    });
    raw.send({ type: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'TOY-HMAC' } });
    challenge = (await raw.nextPacket()) as typeof challenge;
    raw.send(answer('wrong'));
    expect(await raw.nextPacket()).toMatchObject({ type: 'disconnect', reasonCode: 0x87 });
    await raw.closed();
  });
});
