import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMosquitto, type MosquittoHandle, startMosquitto } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { launch, runSim, SIM_CLI } from './processes.js';
import { subscribe } from './subscriber.js';

// mqtts:// against a Mosquitto TLS listener with a throwaway self-signed certificate.
describe.runIf(hasSystemPeer('mosquitto') && hasSystemPeer('openssl'))('mq-sim over mqtts://', () => {
  let mosquitto: MosquittoHandle | undefined;
  let certDir = '';
  let url = '';

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'mq-sim-tls-'));
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
        join(certDir, 'key.pem'),
        '-out',
        join(certDir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    // Mosquitto started as root reads the files as the mosquitto user.
    chmodSync(certDir, 0o755);
    chmodSync(join(certDir, 'key.pem'), 0o644);
    mosquitto = await startMosquitto({
      extraConfig: `certfile ${join(certDir, 'cert.pem')}\nkeyfile ${join(certDir, 'key.pem')}`,
    });
    url = `mqtts://127.0.0.1:${mosquitto.port}`;
  });

  afterAll(async () => {
    await disposeMosquitto(mosquitto);
    rmSync(certDir, { recursive: true, force: true });
  });

  it('--insecure accepts the self-signed certificate and readings arrive', async () => {
    const sub = await subscribe(url, 'tls/#', 5, true);
    const sim = launch(SIM_CLI, [
      '--url',
      url,
      '--insecure',
      '--sensors',
      '2',
      '--rate',
      '5',
      '--prefix',
      'tls',
    ]);
    try {
      await sub.until(() => sub.received.filter((r) => !r.topic.endsWith('/status')).length >= 4);
      const reading = sub.received.find((r) => !r.topic.endsWith('/status'));
      expect(JSON.parse(reading?.text ?? '{}')).toHaveProperty('value');
      expect((await sim.stop('SIGTERM')).code).toBe(0);
    } finally {
      await sim.stop('SIGKILL');
      await sub.close();
    }
  });

  it('without --insecure the certificate is refused and nothing connects (exit 1)', async () => {
    const exit = await runSim(['--url', url, '--sensors', '1', '--duration', '2']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('no sensor could connect');
  });
});
