import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, type Started, startBroker } from './harness.js';

let started: Started | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

describe('CONNECT', () => {
  it('[MQTT-3.2.0-1] answers a 3.1.1 CONNECT with CONNACK accepted', async () => {
    started = await startBroker();
    const { client, connack } = await RawClient.connect(started.port, { clientId: 'c1' });
    expect(connack).toEqual({ type: 'connack', sessionPresent: false, reasonCode: 0 });
    await client.end();
  });
});
