import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMosquitto, type MosquittoHandle, startMosquitto } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { launch, SIM_CLI } from './processes.js';
import { benchReports, readingsArrive, willMarksOffline } from './scenarios.js';
import { subscribe } from './subscriber.js';

describe.runIf(hasSystemPeer('mosquitto'))('mq-sim against Mosquitto', () => {
  let mosquitto: MosquittoHandle | undefined;
  let url = '';

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    url = `mqtt://127.0.0.1:${mosquitto.port}`;
  });

  afterAll(async () => {
    await disposeMosquitto(mosquitto);
  });

  it('delivers readings that a subscriber receives and parses', async () => {
    await readingsArrive(url, url, 'mosq');
  });

  it('its will marks the sensors offline when the simulator is killed', async () => {
    await willMarksOffline(url, 'mosq-will');
  });

  it('reconnects by itself when the broker restarts and keeps publishing', async () => {
    const handle = mosquitto;
    if (!handle) throw new Error('mosquitto did not start');
    const args = [
      '--url',
      url,
      '--sensors',
      '2',
      '--rate',
      '5',
      '--prefix',
      'mosq-again',
      '--json',
      '--quiet',
    ];
    const sim = launch(SIM_CLI, args);
    try {
      const isReading = (topic: string) => !topic.endsWith('/status');
      const before = await subscribe(url, 'mosq-again/#');
      await before.until(() => before.received.some((r) => isReading(r.topic)));
      await before.close();
      await handle.restart();
      const after = await subscribe(url, 'mosq-again/#');
      await after.until(() => after.received.filter((r) => isReading(r.topic)).length >= 4);
      await after.close();
      const exit = await sim.stop('SIGTERM');
      expect(exit.code).toBe(0);
      const summary = JSON.parse(exit.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
      expect(summary.reconnects).toBeGreaterThanOrEqual(2);
    } finally {
      await sim.stop('SIGKILL');
    }
  });

  it('bench at QoS 2 delivers everything exactly once', async () => {
    const report = await benchReports(url, 2);
    expect(report.lost).toBe(0);
    expect(report.duplicates).toBe(0);
  });
});
