import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import {
  attachWebSocket,
  type Broker,
  closeWebSockets,
  createBroker,
  type ListenerFactory,
  serverListener,
} from '../src/index.js';
import { collectMessages, endClient } from './harness.js';

const hasOpenssl = hasSystemPeer('openssl');

let dir = '';
let key = '';
let cert = '';
beforeAll(() => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), 'mq-broker-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let broker: Broker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

type TlsConfig = { type: 'tls' | 'wss'; host?: string; port: number; tls: tls.TlsOptions };

/** What a later 'tls' listener is: a factory over tls.createServer, nothing else in the broker changes. */
const tlsListener: ListenerFactory<TlsConfig> = (config, accept) => {
  const server = tls.createServer(config.tls, (socket) =>
    accept({ stream: socket, listener: 'tls', remoteAddress: socket.remoteAddress }),
  );
  return serverListener('tls', server, config.host ?? '127.0.0.1', config.port);
};

/** And 'wss': the same WebSocket attachment over an HTTPS server. */
const wssListener: ListenerFactory<TlsConfig> = (config, accept) => {
  const server = https.createServer(config.tls);
  const wss = attachWebSocket(server, 'wss', '/mqtt', accept);
  return serverListener('wss', server, config.host ?? '127.0.0.1', config.port, () => closeWebSockets(wss));
};

describe.runIf(hasOpenssl)('listener seam: TLS and WSS as factories', () => {
  it('serves MQTT.js over mqtts:// and wss:// through listenerFactories', async () => {
    broker = createBroker({
      listeners: [
        { type: 'tls', port: 0, tls: { key, cert } },
        { type: 'wss', port: 0, tls: { key, cert } },
      ],
      listenerFactories: { tls: tlsListener, wss: wssListener },
      sys: { enabled: false },
    });
    const [tlsAddress, wssAddress] = await broker.listen();
    const listeners: string[] = [];
    broker.on('client', (c) => listeners.push(c.listener));
    const sub = mqtt.connect(`wss://127.0.0.1:${wssAddress!.port}/mqtt`, {
      rejectUnauthorized: false,
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    await new Promise((resolve) => sub.once('connect', resolve));
    const got = collectMessages(sub);
    await sub.subscribeAsync('secure', { qos: 1 });
    const pub = mqtt.connect(`mqtts://127.0.0.1:${tlsAddress!.port}`, {
      rejectUnauthorized: false,
      reconnectPeriod: 0,
    });
    await new Promise((resolve) => pub.once('connect', resolve));
    await pub.publishAsync('secure', 'encrypted', { qos: 1 });
    await got.waitForCount(1);
    expect(got.messages[0]).toMatchObject({ topic: 'secure', payload: 'encrypted' });
    expect(listeners.sort()).toEqual(['tls', 'wss']);
    await endClient(pub);
    await endClient(sub);
  });
});
