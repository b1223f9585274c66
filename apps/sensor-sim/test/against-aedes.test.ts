import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchReports, readingsArrive, willMarksOffline } from './scenarios.js';

// Aedes speaks MQTT 3.1.1 only: the simulator finds that out and falls back from 5 by itself.
describe('mq-sim against Aedes', () => {
  let aedes: Aedes;
  let server: Server;
  let url = '';

  beforeAll(async () => {
    aedes = await Aedes.createBroker();
    server = createServer(aedes.handle);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const address = server.address();
    url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise<void>((done) => aedes.close(() => done()));
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('delivers readings that a subscriber receives and parses', async () => {
    await readingsArrive(url, url, 'aedes', 4);
  });

  it('its will marks the sensors offline when the simulator is killed', async () => {
    await willMarksOffline(url, 'aedes-will', 4);
  });

  it('bench at QoS 1 falls back to 3.1.1 and delivers everything exactly once', async () => {
    const report = await benchReports(url, 1);
    expect(report.protocolVersion).toBe(4);
    expect(report.lost).toBe(0);
    expect(report.duplicates).toBe(0);
  });
});
