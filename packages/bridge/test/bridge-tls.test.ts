import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Broker } from '@mq/broker';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import {
  disposeMosquitto,
  freePort,
  type MosquittoHandle,
  startMosquitto,
} from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { type Bridge, createBridge } from '../src/index.js';
import { collect, endClient, FAST_RECONNECT, mqttConnect, startBroker } from './helpers.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'tls');

describe.runIf(hasSystemPeer('mosquitto'))('a bridge over mqtts:// with a client certificate', () => {
  let mosquitto: MosquittoHandle | undefined;
  let local: { broker: Broker; port: number } | undefined;
  let bridge: Bridge | undefined;
  let sink: MqttClient | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mq-bridge-tls-'));

  afterAll(async () => {
    await endClient(sink);
    await bridge?.stop();
    await local?.broker.close();
    await disposeMosquitto(mosquitto);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes the TLS options to the client and forwards over the encrypted link', async () => {
    // Mosquitto drops root privileges: the certificates must be readable by its user.
    chmodSync(dir, 0o755);
    for (const file of readdirSync(fixtures).filter((f) => /\.(crt|key)$/.test(f))) {
      copyFileSync(join(fixtures, file), join(dir, file));
      chmodSync(join(dir, file), 0o644);
    }
    const tlsPort = await freePort();
    mosquitto = await startMosquitto({
      extraConfig: [
        `listener ${tlsPort} 127.0.0.1`,
        `cafile ${dir}/ca.crt`,
        `certfile ${dir}/server.crt`,
        `keyfile ${dir}/server.key`,
        'require_certificate true',
      ].join('\n'),
    });
    local = await startBroker();
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    bridge = createBridge(local.broker, {
      url: `mqtts://127.0.0.1:${tlsPort}`,
      clientId: 'tls-bridge',
      reconnect: FAST_RECONNECT,
      tls: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key'), servername: 'localhost' },
      topics: [{ pattern: 'secure/#', direction: 'out', qos: 1 }],
    });
    await bridge.start();
    sink = await mqttConnect(mosquitto.port, { protocolVersion: 5, clientId: 'tls-sink' });
    const got = collect(sink);
    await sink.subscribeAsync('secure/#', { qos: 1 });
    local.broker.publishMessage({
      topic: 'secure/a',
      payload: new TextEncoder().encode('sealed'),
      qos: 1,
      retain: false,
    });
    await got.waitForCount(1);
    expect(got.messages[0]).toMatchObject({ topic: 'secure/a', payload: 'sealed' });
  });
});
