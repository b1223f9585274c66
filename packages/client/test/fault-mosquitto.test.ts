import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMosquitto, type MosquittoHandle, startMosquitto } from '../../../test-support/mosquitto.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import type { MqttClient } from '../src/client.js';
import { createClient } from '../src/index.js';
import type { PublishResult } from '../src/outgoing.js';
import { cutPublisherMidStream } from './helpers/fault-scenarios.js';
import { waitUntil } from './helpers/transport-probe.js';

const TOTAL = 10_000;

describe.runIf(hasSystemPeer('mosquitto'))('fault: Mosquitto restarted mid-stream', () => {
  let mosquitto: MosquittoHandle | undefined;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    mosquitto = await startMosquitto({
      persistence: true,
      extraConfig: ['max_queued_messages 0', 'max_inflight_messages 20'].join('\n'),
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end({ force: true })));
    await disposeMosquitto(mosquitto);
  });

  it(`delivers all ${TOTAL} QoS 1 and ${TOTAL} QoS 2 messages across a broker restart, QoS 2 exactly once`, async () => {
    const url = `mqtt://127.0.0.1:${mosquitto?.port}`;
    // Mosquitto persists only sessions started with Clean Start 0, whatever their expiry.
    const session = {
      protocolVersion: 5 as const,
      cleanStart: false,
      sessionExpiryInterval: 3600,
      reconnect: { initialDelay: 50, maxDelay: 300 },
      maxQueued: 3 * TOTAL,
    };
    const counts = { 1: new Uint16Array(TOTAL), 2: new Uint16Array(TOTAL) };
    let received = 0;
    const sub = createClient(url, { ...session, clientId: 'fault-restart-sub' });
    clients.push(sub);
    sub.on('message', (message) => {
      const slots = counts[message.qos === 2 ? 2 : 1];
      const index = Number(message.text());
      slots[index] = (slots[index] ?? 0) + 1;
      received += 1;
    });
    await sub.subscribe('fault/#', { qos: 2 });

    const pub = createClient(url, { ...session, clientId: 'fault-restart-pub' });
    clients.push(pub);
    await pub.whenConnected();
    let acked = 0;
    const done: Array<Promise<PublishResult>> = [];
    for (let i = 0; i < TOTAL; i++) {
      for (const qos of [1, 2] as const) {
        const { done: completion } = await pub.enqueue(`fault/q${qos}`, String(i), { qos });
        done.push(
          completion.then((result) => {
            acked += 1;
            return result;
          }),
        );
      }
    }
    // Restart while a good part of the stream is still queued or in flight on both sides.
    await waitUntil(() => acked >= TOTAL / 2, 60_000, 'half of the messages acknowledged');
    await mosquitto?.restart();
    const results = await Promise.all(done);
    expect(results.every((r) => r.reasonCode < 0x80)).toBe(true);
    await waitUntil(
      () => counts[1].every((n) => n >= 1) && counts[2].every((n) => n >= 1),
      60_000,
      'every message at the subscriber',
    );
    expect(received).toBeGreaterThanOrEqual(2 * TOTAL);
    expect(counts[2].every((n) => n === 1)).toBe(true);
    expect(counts[1].every((n) => n >= 1)).toBe(true);
  }, 180_000);

  it('resends what Mosquitto had not acknowledged after the publisher socket is destroyed mid-stream', async () => {
    const { lost, duplicatesQoS2, resent } = await cutPublisherMidStream(
      `mqtt://127.0.0.1:${mosquitto?.port}`,
      'mosq',
      clients,
    );
    expect(resent).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(duplicatesQoS2).toEqual([]);
  });
});
