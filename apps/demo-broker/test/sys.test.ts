import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/main.js';
import { startBroker } from './cli-process.js';

/** Subscribes to $SYS/# and a barrier topic; resolves with the $SYS topics seen before the barrier message. */
async function sysTopicsSeen(port: number): Promise<Map<string, string>> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  try {
    const seen = new Map<string, string>();
    const barrier = new Promise<void>((done) => {
      client.on('message', (topic, payload) => {
        if (topic === 'barrier') done();
        else seen.set(topic, payload.toString());
      });
    });
    await client.subscribeAsync(['$SYS/#', 'barrier']);
    // Retained $SYS messages are sent while the subscription is handled, before this publish is routed.
    await client.publishAsync('barrier', 'x', { qos: 1 });
    await barrier;
    return seen;
  } finally {
    await client.endAsync();
  }
}

describe('mq-broker $SYS', () => {
  it('is on by default and names mq-broker and its version', async () => {
    const broker = await startBroker(['--port', '0', '--ws-port', '0']);
    try {
      const seen = await sysTopicsSeen(broker.port);
      expect(seen.get('$SYS/broker/version')).toBe(`mq-broker ${VERSION}`);
      expect(seen.has('$SYS/broker/clients/connected')).toBe(true);
    } finally {
      await broker.stop();
    }
  });

  it('--no-sys turns it off', async () => {
    const broker = await startBroker(['--port', '0', '--ws-port', '0', '--no-sys']);
    try {
      expect([...(await sysTopicsSeen(broker.port)).keys()]).toEqual([]);
    } finally {
      await broker.stop();
    }
  });
});
