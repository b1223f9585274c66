import { afterAll, beforeAll, describe } from 'vitest';
import { disposeMosquitto, type MosquittoHandle, startMosquitto } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { roundTripSuite } from './helpers/round-trip-suite.js';

describe.runIf(hasSystemPeer('mosquitto'))('against Mosquitto', () => {
  let mosquitto: MosquittoHandle | undefined;
  beforeAll(async () => {
    mosquitto = await startMosquitto({ extraConfig: 'max_inflight_messages 10' });
  });
  afterAll(async () => {
    await disposeMosquitto(mosquitto);
  });
  roundTripSuite('mosquitto', { url: () => `mqtt://127.0.0.1:${mosquitto?.port}` }, [3, 4, 5]);
});
