import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMosquitto, type MosquittoHandle, startMosquitto } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { benchReports, readingsArrive, willMarksOffline } from './scenarios.js';

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

  it('bench at QoS 2 delivers everything exactly once', async () => {
    const report = await benchReports(url, 2);
    expect(report.lost).toBe(0);
    expect(report.duplicates).toBe(0);
  });
});
