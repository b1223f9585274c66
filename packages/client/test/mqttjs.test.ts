import { type Broker, createBroker } from '@mq/broker';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/index.js';

/** MQTT.js as the peer on the other side of @mq/broker, in both directions and both protocol levels. */
describe('interoperates with MQTT.js through @mq/broker', () => {
  let broker: Broker | undefined;
  let url = '';
  beforeAll(async () => {
    broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }] });
    await broker.listen();
    url = `mqtt://127.0.0.1:${broker.addresses()[0]?.port}`;
  });
  afterAll(async () => {
    await broker?.close();
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`receives what MQTT.js publishes at QoS 0/1/2 (level ${protocolVersion})`, async () => {
      const ours = await connect(url, { protocolVersion });
      const stream = ours.messages(`from-mqttjs/${protocolVersion}/#`);
      await ours.subscribe(`from-mqttjs/${protocolVersion}/#`, { qos: 2 });
      const theirs = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
      for (const qos of [0, 1, 2] as const) {
        await theirs.publishAsync(`from-mqttjs/${protocolVersion}/q${qos}`, `mqttjs ${qos}`, { qos });
      }
      const got: Array<[string, string, number]> = [];
      for await (const m of stream) {
        got.push([m.topic, m.text(), m.qos]);
        if (got.length === 3) break;
      }
      expect(got).toEqual([0, 1, 2].map((q) => [`from-mqttjs/${protocolVersion}/q${q}`, `mqttjs ${q}`, q]));
      await theirs.endAsync();
      await ours.end();
    });

    it(`delivers to MQTT.js what it publishes at QoS 0/1/2 (level ${protocolVersion})`, async () => {
      const theirs = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
      const got: Array<[string, string, number]> = [];
      const all = new Promise<void>((resolve) =>
        theirs.on('message', (topic, payload, packet) => {
          got.push([topic, payload.toString(), packet.qos]);
          if (got.length === 3) resolve();
        }),
      );
      await theirs.subscribeAsync(`to-mqttjs/${protocolVersion}/#`, { qos: 2 });
      const ours = await connect(url, { protocolVersion });
      for (const qos of [0, 1, 2] as const) {
        await ours.publish(`to-mqttjs/${protocolVersion}/q${qos}`, `ours ${qos}`, { qos });
      }
      await all;
      expect(got).toEqual([0, 1, 2].map((q) => [`to-mqttjs/${protocolVersion}/q${q}`, `ours ${q}`, q]));
      await ours.end();
      await theirs.endAsync();
    });
  }
});
