import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeMosquitto,
  freePort,
  type MosquittoHandle,
  startMosquitto,
} from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { connect } from '../src/index.js';
import type { TlsOptions } from '../src/transports/types.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'tls');

/** Copies the test certificates where the `mosquitto` user (mosquitto drops root) can read them. */
function copyCertificates(dir: string): void {
  chmodSync(dir, 0o755);
  for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.crt') || f.endsWith('.key'))) {
    copyFileSync(join(fixtures, file), join(dir, file));
    chmodSync(join(dir, file), 0o644);
  }
}

describe.runIf(hasSystemPeer('mosquitto'))('mqtts:// and wss:// against Mosquitto', () => {
  let mosquitto: MosquittoHandle | undefined;
  let dir = '';
  let tlsPort = 0;
  let wssPort = 0;
  let tls: TlsOptions = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mq-tls-'));
    copyCertificates(dir);
    tlsPort = await freePort();
    wssPort = await freePort();
    const files = [
      `cafile ${dir}/ca.crt`,
      `certfile ${dir}/server.crt`,
      `keyfile ${dir}/server.key`,
      'require_certificate true',
    ];
    mosquitto = await startMosquitto({
      extraConfig: [
        `listener ${tlsPort} 127.0.0.1`,
        ...files,
        `listener ${wssPort} 127.0.0.1`,
        'protocol websockets',
        ...files,
      ].join('\n'),
    });
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    tls = {
      ca: read('ca.crt'),
      cert: read('client.crt'),
      key: read('client.key'),
      servername: 'localhost',
    };
  }, 30_000);

  afterAll(async () => {
    await disposeMosquitto(mosquitto);
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips over mqtts:// with a CA, a client certificate and SNI', async () => {
    const client = await connect(`mqtts://127.0.0.1:${tlsPort}`, { tls, reconnect: false });
    const stream = client.messages('tls/x');
    await client.subscribe('tls/x', { qos: 1 });
    await client.publish('tls/x', 'secret', { qos: 1 });
    expect((await stream.next()).value?.text()).toBe('secret');
    await client.end();
  });

  it('round-trips over wss:// with the same TLS options', async () => {
    const client = await connect(`wss://localhost:${wssPort}/mqtt`, { tls, reconnect: false });
    const stream = client.messages('wss/x');
    await client.subscribe('wss/x', { qos: 2 });
    await client.publish('wss/x', 'over wss', { qos: 2 });
    expect((await stream.next()).value?.text()).toBe('over wss');
    await client.end();
  });

  it('refuses a server whose certificate does not name the host unless servername says so', async () => {
    const { servername: _, ...withoutName } = tls;
    await expect(
      connect(`mqtts://127.0.0.1:${tlsPort}`, { tls: withoutName, reconnect: false }),
    ).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
    });
  });

  it('refuses an unknown CA by default and accepts it with rejectUnauthorized: false', async () => {
    const { ca: _, ...withoutCa } = tls;
    await expect(
      connect(`mqtts://127.0.0.1:${tlsPort}`, { tls: withoutCa, reconnect: false }),
    ).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
    });
    const client = await connect(`mqtts://127.0.0.1:${tlsPort}`, {
      tls: { ...withoutCa, rejectUnauthorized: false },
      reconnect: false,
    });
    await client.end();
  });

  it('is refused by a server that requires a client certificate when none is given', async () => {
    const error = await connect(`mqtts://127.0.0.1:${tlsPort}`, {
      tls: { ca: tls.ca, servername: 'localhost' },
      reconnect: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MqttClientError' });
  });
});
