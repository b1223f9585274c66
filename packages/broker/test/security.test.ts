import { spawn } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { createSecurity, hashPassword, type SecurityOptions } from '../src/index.js';
import {
  collectMessages,
  endClient,
  mqttConnect,
  RawClient,
  type Started,
  startBroker,
  text,
} from './harness.js';

let started: Started | undefined;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.destroy();
  await started?.close();
  started = undefined;
});

let passwords: Map<string, string>;
beforeAll(async () => {
  passwords = new Map([
    ['alice', await hashPassword('alice-pw')],
    ['bob', await hashPassword('bob-pw')],
  ]);
});

async function start(options: SecurityOptions): Promise<Started> {
  started = await startBroker({ auth: createSecurity({ passwords, ...options }) });
  return started;
}

async function rawConnect(
  port: number,
  connect: Parameters<typeof RawClient.connect>[1],
): ReturnType<typeof RawClient.connect> {
  const result = await RawClient.connect(port, connect);
  raws.push(result.client);
  return result;
}

const creds = (username: string, password: string) => ({ username, password: text(password) });

describe('password authentication', () => {
  it('[MQTT-3.1.4-2] accepts a user whose password matches the password file', async () => {
    const s = await start({ allowAnonymous: false });
    const { connack } = await rawConnect(s.port, {
      clientId: 'a',
      protocolVersion: 5,
      ...creds('alice', 'alice-pw'),
    });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
  });

  it('[MQTT-3.1.4-2] refuses a wrong password with CONNACK 0x86 and closes the connection', async () => {
    const s = await start({});
    const { client, connack } = await rawConnect(s.port, {
      clientId: 'a',
      protocolVersion: 5,
      ...creds('alice', 'bob-pw'),
    });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0x86, sessionPresent: false });
    await client.closed();
  });

  it('[MQTT-3.2.2-5] refuses an unknown 3.1.1 user with return code 4 and closes the connection', async () => {
    const s = await start({});
    const { client, connack } = await rawConnect(s.port, { clientId: 'a', ...creds('eve', 'x') });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 4 });
    await client.closed();
  });

  it('refuses a username without a password', async () => {
    const s = await start({});
    const { connack } = await rawConnect(s.port, { clientId: 'a', protocolVersion: 5, username: 'alice' });
    expect(connack).toMatchObject({ reasonCode: 0x86 });
  });

  it('[MQTT-3.1.4-2] refuses anonymous clients when allowAnonymous is false (v5 0x87, 3.1.1 code 5)', async () => {
    const s = await start({ allowAnonymous: false });
    const v5 = await rawConnect(s.port, { clientId: 'a', protocolVersion: 5 });
    expect(v5.connack).toMatchObject({ reasonCode: 0x87 });
    const v4 = await rawConnect(s.port, { clientId: 'b' });
    expect(v4.connack).toMatchObject({ reasonCode: 5 });
  });

  it('accepts anonymous clients by default', async () => {
    const s = await start({});
    const { connack } = await rawConnect(s.port, { clientId: 'a' });
    expect(connack).toMatchObject({ reasonCode: 0 });
  });

  it('works with MQTT.js username/password', async () => {
    const s = await start({ allowAnonymous: false });
    const client = await mqttConnect(s.port, { username: 'bob', password: 'bob-pw', protocolVersion: 5 });
    await endClient(client);
    const refused = await mqttConnect(s.port, { username: 'bob', password: 'no', protocolVersion: 5 }).then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
    expect(refused).toBe(0x86);
  });

  it.runIf(hasSystemPeer('mosquitto_pub'))(
    'mosquitto_pub -u -P: right password exits 0, wrong 5',
    async () => {
      const s = await start({ allowAnonymous: false });
      const pub = (password: string) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(
            'mosquitto_pub',
            ['-h', '127.0.0.1', '-p', String(s.port), '-u', 'alice', '-P', password, '-t', 't', '-m', 'x'],
            { stdio: 'ignore' },
          );
          child.on('close', resolve);
        });
      expect(await pub('alice-pw')).toBe(0);
      expect(await pub('wrong')).not.toBe(0);
    },
  );
});

describe('ACL authorization', () => {
  const aclOptions = (): SecurityOptions => ({
    acl: {
      users: {
        alice: [
          { access: 'readwrite', topic: 'alice/#' },
          { access: 'read', topic: 'sensors/+/temp' },
          { access: 'deny', topic: 'alice/secret' },
        ],
        bob: [{ access: 'readwrite', topic: '#' }],
      },
    },
  });

  it('[MQTT-3.4.2-1] answers a denied v5 QoS 1 publish with PUBACK 0x87 and does not route it', async () => {
    const s = await start(aclOptions());
    const watcher = await mqttConnect(s.port, { username: 'bob', password: 'bob-pw' });
    const got = collectMessages(watcher);
    await watcher.subscribeAsync('#');
    const { client } = await rawConnect(s.port, {
      clientId: 'a',
      protocolVersion: 5,
      ...creds('alice', 'alice-pw'),
    });
    client.send({
      type: 'publish',
      topic: 'other/x',
      payload: text('no'),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 1,
    });
    expect(await client.nextPacket()).toMatchObject({ type: 'puback', packetId: 1, reasonCode: 0x87 });
    client.send({
      type: 'publish',
      topic: 'alice/secret',
      payload: text('no'),
      qos: 2,
      retain: false,
      dup: false,
      packetId: 2,
    });
    expect(await client.nextPacket()).toMatchObject({ type: 'pubrec', packetId: 2, reasonCode: 0x87 });
    client.send({
      type: 'publish',
      topic: 'other/q0',
      payload: text('no'),
      qos: 0,
      retain: false,
      dup: false,
    });
    client.send({
      type: 'publish',
      topic: 'alice/ok',
      payload: text('yes'),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 3,
    });
    expect(await client.nextPacket()).toMatchObject({ type: 'puback', packetId: 3 });
    await got.waitForCount(1);
    expect(got.messages.map((m) => m.topic)).toEqual(['alice/ok']);
    await endClient(watcher);
  });

  it('acknowledges a denied 3.1.1 publish normally and drops it (the connection stays)', async () => {
    const s = await start(aclOptions());
    const { client } = await rawConnect(s.port, { clientId: 'a', ...creds('alice', 'alice-pw') });
    client.send({
      type: 'publish',
      topic: 'other/x',
      payload: text('no'),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 7,
    });
    expect(await client.nextPacket()).toEqual({ type: 'puback', packetId: 7 });
    client.send({ type: 'pingreq' });
    expect(await client.nextPacket()).toMatchObject({ type: 'pingresp' });
  });

  it('[MQTT-3.9.3-1] refuses subscriptions outside the read permission: v5 0x87, in filter order', async () => {
    const s = await start(aclOptions());
    const { client } = await rawConnect(s.port, {
      clientId: 'a',
      protocolVersion: 5,
      ...creds('alice', 'alice-pw'),
    });
    client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [
        { topicFilter: 'other/#', qos: 1 },
        { topicFilter: 'sensors/+/temp', qos: 1 },
        { topicFilter: 'alice/secret', qos: 0 },
      ],
    });
    expect(await client.nextPacket()).toMatchObject({ type: 'suback', reasonCodes: [0x87, 1, 0x87] });
  });

  it('[MQTT-3.9.3-2] refuses a subscription outside the read permission with 0x80 for 3.1.1', async () => {
    const s = await start(aclOptions());
    const { client } = await rawConnect(s.port, { clientId: 'a', ...creds('alice', 'alice-pw') });
    client.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'other/#', qos: 1 }] });
    expect(await client.nextPacket()).toMatchObject({ type: 'suback', reasonCodes: [0x80] });
  });

  it('does not deliver read-denied topics to a wildcard wider than the permission, live or retained', async () => {
    const s = await start(aclOptions());
    const bob = await mqttConnect(s.port, { username: 'bob', password: 'bob-pw' });
    await bob.publishAsync('sensors/a/temp', 'r1', { qos: 1, retain: true });
    await bob.publishAsync('sensors/a/humidity', 'r2', { qos: 1, retain: true });
    const alice = await mqttConnect(s.port, { username: 'alice', password: 'alice-pw', protocolVersion: 5 });
    const got = collectMessages(alice);
    const granted = await alice.subscribeAsync(['#']);
    expect(granted[0]?.qos).toBe(0);
    await got.waitForCount(1);
    for (const topic of ['alice/secret', 'other/x', 'sensors/b/humidity', 'alice/public', 'sensors/b/temp']) {
      await bob.publishAsync(topic, topic, { qos: 1 });
    }
    await got.waitForCount(3);
    expect(got.messages.map((m) => m.topic)).toEqual(['sensors/a/temp', 'alice/public', 'sensors/b/temp']);
    await endClient(alice);
    await endClient(bob);
  });

  it('does not hand a persistent session to another username', async () => {
    const s = await start(aclOptions());
    const session = {
      clientId: 'shared-id',
      protocolVersion: 5 as const,
      cleanStart: false,
      properties: { sessionExpiryInterval: 600 },
    };
    const first = await rawConnect(s.port, { ...session, ...creds('bob', 'bob-pw') });
    first.client.send({
      type: 'subscribe',
      packetId: 1,
      subscriptions: [{ topicFilter: 'secret/#', qos: 1 }],
    });
    expect(await first.client.nextPacket()).toMatchObject({ type: 'suback', reasonCodes: [1] });
    first.client.send({ type: 'disconnect', reasonCode: 0 });
    await first.client.closed();
    const sameUser = await rawConnect(s.port, { ...session, ...creds('bob', 'bob-pw') });
    expect(sameUser.connack).toMatchObject({ reasonCode: 0, sessionPresent: true });
    sameUser.client.send({ type: 'disconnect', reasonCode: 0 });
    await sameUser.client.closed();
    const other = await rawConnect(s.port, { ...session, ...creds('alice', 'alice-pw') });
    expect(other.connack).toMatchObject({ reasonCode: 0, sessionPresent: false });
    expect(s.broker.sessions.get('shared-id')?.subscriptions.size).toBe(0);
  });

  it('refuses a will the client may not publish', async () => {
    const s = await start(aclOptions());
    const { connack } = await rawConnect(s.port, {
      clientId: 'a',
      protocolVersion: 5,
      ...creds('alice', 'alice-pw'),
      will: { topic: 'other/will', payload: text('x'), qos: 0, retain: false },
    });
    expect(connack).toMatchObject({ reasonCode: 0x87 });
  });
});
