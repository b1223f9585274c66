import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoBroker, launch, SIM_CLI, startDemoBroker } from './processes.js';
import { benchReports, readingsArrive, willMarksOffline } from './scenarios.js';

describe('mq-sim against the mq-broker CLI', () => {
  let broker: DemoBroker;

  beforeAll(async () => {
    broker = await startDemoBroker();
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('delivers readings over TCP that a subscriber receives and parses', async () => {
    await readingsArrive(broker.url, broker.url, 'demo-tcp');
  });

  it('delivers readings over WebSocket', async () => {
    await readingsArrive(broker.url, broker.wsUrl, 'demo-ws');
  });

  it('--watch prints the readings as the broker delivers them, like mosquitto_sub -v', async () => {
    const sim = launch(SIM_CLI, [
      '--url',
      broker.url,
      '--sensors',
      '2',
      '--rate',
      '5',
      '--prefix',
      'demo-watch',
      '--watch',
    ]);
    try {
      await sim.waitFor(/^demo-watch\/humidity\/kitchen\/humidity-2 \{"id":"humidity-2"/m);
      await sim.waitFor('demo-watch/temperature/kitchen/temperature-1/status online');
    } finally {
      expect((await sim.stop('SIGTERM')).code).toBe(0);
    }
  });

  it('its will marks the sensors offline when the simulator is killed', async () => {
    await willMarksOffline(broker.url, 'demo-will');
  });

  it('bench at QoS 1 delivers everything exactly once', async () => {
    const report = await benchReports(broker.url, 1);
    expect(report.lost).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.delivered).toBe(report.expected);
  });
});
