import { type Broker, createBroker } from '@mq/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from '../src/client.js';
import { connect } from '../src/index.js';
import { cutPublisherMidStream } from './helpers/fault-scenarios.js';
import { roundTripSuite } from './helpers/round-trip-suite.js';

let broker: Broker | undefined;
let tcpPort = 0;
let wsPort = 0;

beforeAll(async () => {
  broker = createBroker({
    listeners: [
      { type: 'tcp', port: 0 },
      { type: 'ws', port: 0, path: '/mqtt' },
    ],
    limits: { receiveMaximum: 5 },
  });
  await broker.listen();
  const [tcp, ws] = broker.addresses();
  tcpPort = tcp?.port ?? 0;
  wsPort = ws?.port ?? 0;
});

const clients: MqttClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end({ force: true })));
  await broker?.close();
});

describe('against @mq/broker', () => {
  roundTripSuite('@mq/broker over TCP', { url: () => `mqtt://127.0.0.1:${tcpPort}` });
  roundTripSuite('@mq/broker over WebSocket', { url: () => `ws://127.0.0.1:${wsPort}/mqtt` }, [5]);

  it('[MQTT-4.9.0-2] fills but never exceeds the broker receive maximum of 5', async () => {
    const client = await connect(`mqtt://127.0.0.1:${tcpPort}`, { protocolVersion: 5 });
    const refusals: number[] = [];
    client.on('disconnect', (info) => refusals.push(info.reasonCode));
    expect(client.serverProperties?.receiveMaximum).toBe(5);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => client.publish('rm/broker', `m${i}`, { qos: 2 })),
    );
    expect(client.peakInflight).toBe(5);
    expect(refusals).toEqual([]);
    await client.end();
  });

  it('fault: resends what the broker had not acknowledged after the publisher socket is destroyed mid-stream', async () => {
    const outcome = await cutPublisherMidStream(`mqtt://127.0.0.1:${tcpPort}`, 'mq', clients);
    expect(outcome.resent).toBeGreaterThan(0);
    expect(outcome.lost).toEqual([]);
    expect(outcome.duplicatesQoS2).toEqual([]);
  }, 60_000);
});
