import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ErrorWithReasonCode, IClientOptions } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import {
  type Broker,
  type BrokerOptions,
  type ClientInfo,
  createBroker,
  createSecurity,
  type TlsSettings,
} from '../src/index.js';
import { collectMessages, endClient, mqttConnect } from './harness.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/tls/${name}`, import.meta.url));
const read = (name: string) => readFileSync(fixture(name));
const serverTls: TlsSettings = { cert: read('server.crt'), key: read('server.key') };
const hasClients = hasSystemPeer('mosquitto_sub') && hasSystemPeer('mosquitto_pub');

let broker: Broker | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await broker?.close();
  broker = undefined;
});

async function start(options: BrokerOptions) {
  broker = createBroker({ sys: { enabled: false }, ...options });
  return broker.listen();
}

const tlsClient = (port: number, extra: IClientOptions = {}) =>
  mqttConnect(port, { protocol: 'mqtts', ca: read('ca.crt'), ...extra });

/** The CONNACK code an MQTT.js connection attempt was refused with. */
async function refusal(connecting: Promise<unknown>): Promise<number | string | undefined> {
  try {
    const client = await connecting;
    await endClient(client as Parameters<typeof endClient>[0], true);
    return 'connected';
  } catch (err) {
    return (err as ErrorWithReasonCode).code;
  }
}

describe('tls listener', () => {
  it('serves MQTT over TLS to MQTT.js, verifying the server certificate for 127.0.0.1', async () => {
    const [address] = await start({
      listeners: [{ type: 'tls', host: '127.0.0.1', port: 0, tls: serverTls }],
    });
    expect(address?.type).toBe('tls');
    const sub = await tlsClient(address!.port, { protocolVersion: 5 });
    const got = collectMessages(sub);
    await sub.subscribeAsync('secure/t', { qos: 1 });
    const pub = await tlsClient(address!.port);
    await pub.publishAsync('secure/t', 'over tls', { qos: 1 });
    await got.waitForCount(1);
    expect(got.messages[0]?.payload).toBe('over tls');
    await endClient(pub);
    await endClient(sub);
  });

  it('refuses a TLS client that does not trust the server certificate (handshake fails)', async () => {
    const [address] = await start({ listeners: [{ type: 'tls', port: 0, tls: serverTls }] });
    await expect(mqttConnect(address!.port, { protocol: 'mqtts' })).rejects.toThrow();
  });

  it('serves MQTT over secure WebSocket (wss) on the given path', async () => {
    const [address] = await start({
      listeners: [{ type: 'wss', port: 0, path: '/mqtt', tls: serverTls }],
    });
    expect(address?.type).toBe('wss');
    const client = await mqttConnect(address!.port, {
      protocol: 'wss',
      path: '/mqtt',
      ca: read('ca.crt'),
      protocolVersion: 5,
    });
    const got = collectMessages(client);
    await client.subscribeAsync('w/#');
    await client.publishAsync('w/1', 'via wss', { qos: 1 });
    await got.waitForCount(1);
    expect(got.messages[0]?.topic).toBe('w/1');
    await endClient(client);
  });

  it.runIf(hasClients)('mosquitto_pub and mosquitto_sub talk over TLS with --cafile', async () => {
    const [address] = await start({ listeners: [{ type: 'tls', port: 0, tls: serverTls }] });
    const port = String(address!.port);
    const common = ['-h', '127.0.0.1', '-p', port, '--cafile', fixture('ca.crt')];
    const subscribed = new Promise<void>((resolve) =>
      broker!.on('subscribe', (_subs, client) => client.clientId === 'm-sub' && resolve()),
    );
    const sub = spawn('mosquitto_sub', [...common, '-i', 'm-sub', '-t', 'tls/#', '-C', '1', '-v'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(sub);
    let out = '';
    sub.stdout?.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => sub.on('close', resolve));
    await subscribed;
    const pub = spawn('mosquitto_pub', [...common, '-t', 'tls/x', '-m', 'hello tls', '-q', '1'], {
      stdio: 'ignore',
    });
    children.push(pub);
    expect(await exited).toBe(0);
    expect(out.trim()).toBe('tls/x hello tls');
  });
});

describe('client certificate authentication', () => {
  const certTls: TlsSettings = {
    ...serverTls,
    ca: read('ca.crt'),
    requestCert: true,
    rejectUnauthorized: false,
    useIdentityAsUsername: true,
  };

  it('[MQTT-3.1.4-2] takes the certificate CN as the username with useIdentityAsUsername', async () => {
    const [address] = await start({ listeners: [{ type: 'tls', port: 0, tls: certTls }] });
    const connected = new Promise<ClientInfo>((resolve) => broker!.once('client', resolve));
    const client = await tlsClient(address!.port, {
      protocolVersion: 5,
      username: 'mallory',
      cert: read('client.crt'),
      key: read('client.key'),
    });
    expect((await connected).username).toBe('alice');
    await endClient(client);
  });

  it('[MQTT-3.1.4-2] refuses a v5 client without a certificate with CONNACK 0x87', async () => {
    const [address] = await start({ listeners: [{ type: 'tls', port: 0, tls: certTls }] });
    expect(await refusal(tlsClient(address!.port, { protocolVersion: 5 }))).toBe(0x87);
  });

  it('[MQTT-3.2.2-5] refuses a 3.1.1 client with an untrusted certificate with return code 5', async () => {
    const [address] = await start({ listeners: [{ type: 'tls', port: 0, tls: certTls }] });
    const attempt = tlsClient(address!.port, { cert: read('rogue.crt'), key: read('rogue.key') });
    expect(await refusal(attempt)).toBe(5);
  });

  it('counts a valid certificate as credentials for createSecurity with allowAnonymous false', async () => {
    const seen: Array<string | undefined> = [];
    const security = createSecurity({ allowAnonymous: false });
    const [address] = await start({
      listeners: [{ type: 'tls', port: 0, tls: { ...certTls, useIdentityAsUsername: false } }],
      auth: {
        authenticate: (ctx) => {
          seen.push(ctx.certificate?.identity);
          return security.authenticate!(ctx);
        },
      },
    });
    const client = await tlsClient(address!.port, { cert: read('client.crt'), key: read('client.key') });
    expect(seen).toEqual(['alice']);
    await endClient(client);
  });

  it('reads the client certificate on wss listeners too', async () => {
    const [address] = await start({ listeners: [{ type: 'wss', port: 0, tls: certTls }] });
    const connected = new Promise<ClientInfo>((resolve) => broker!.once('client', resolve));
    const client = await mqttConnect(address!.port, {
      protocol: 'wss',
      path: '/mqtt',
      ca: read('ca.crt'),
      cert: read('client.crt'),
      key: read('client.key'),
    });
    expect(await connected).toMatchObject({ username: 'alice', listener: 'wss' });
    await endClient(client);
    const refused = mqttConnect(address!.port, {
      protocol: 'wss',
      path: '/mqtt',
      ca: read('ca.crt'),
      protocolVersion: 5,
    });
    expect(await refusal(refused)).toBe(0x87);
  });

  it('fails the handshake of a client without a certificate when rejectUnauthorized stays on', async () => {
    const [address] = await start({
      listeners: [{ type: 'tls', port: 0, tls: { ...certTls, rejectUnauthorized: true } }],
    });
    await expect(tlsClient(address!.port)).rejects.toThrow();
  });
});
