import assert from 'node:assert/strict';
import type { RouteBus } from './cluster.js';
import type { Message } from './message.js';

/** One check every RouteBus implementation must pass, run against a fresh bus. */
export interface RouteBusContractCase {
  name: string;
  run(bus: RouteBus): Promise<void>;
}

/** Resolves once `count` messages have been delivered, or rejects after `ms`. */
function collect(bus: RouteBus, count: number, ms = 5000): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const got: Message[] = [];
    const timer = setTimeout(() => reject(new Error(`${got.length} of ${count} messages delivered`)), ms);
    bus.onMessage((message) => {
      got.push(message);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * The RouteBus contract as data: `for (const c of routeBusContract) it(c.name, async () => c.run(await makeBus()))`.
 * A networked bus must carry every field of a message intact, binary and property order included.
 */
export const routeBusContract: readonly RouteBusContractCase[] = [
  {
    name: 'delivers a published message to the registered handler',
    async run(bus) {
      const delivered = collect(bus, 1);
      bus.publish({ topic: 'a/b', payload: bytes('x'), qos: 1, retain: false });
      const [message] = await delivered;
      assert.equal(message?.topic, 'a/b');
      await bus.close();
    },
  },
  {
    name: 'keeps the order of messages from one publisher',
    async run(bus) {
      const delivered = collect(bus, 50);
      for (let i = 0; i < 50; i++)
        bus.publish({ topic: 't', payload: bytes(String(i)), qos: 0, retain: false });
      const got = await delivered;
      assert.deepEqual(
        got.map((m) => new TextDecoder().decode(m.payload)),
        Array.from({ length: 50 }, (_, i) => String(i)),
      );
      await bus.close();
    },
  },
  {
    name: 'carries every field of a message intact',
    async run(bus) {
      const sent: Message = {
        topic: 'full/message',
        payload: Uint8Array.of(0, 255, 1, 254),
        qos: 2,
        retain: true,
        origin: 'client-1',
        expiresAt: 1_900_000_000_000,
        properties: {
          payloadFormatIndicator: 1,
          contentType: 'application/octet-stream',
          responseTopic: 'reply/to',
          correlationData: Uint8Array.of(9, 8, 7),
          userProperties: [
            ['b', '1'],
            ['a', '2'],
            ['b', '3'],
          ],
        },
      };
      const delivered = collect(bus, 1);
      bus.publish(sent);
      const [got] = await delivered;
      assert.ok(got);
      assert.equal(got.topic, sent.topic);
      assert.deepEqual([...got.payload], [...sent.payload]);
      assert.equal(got.qos, 2);
      assert.equal(got.retain, true);
      assert.equal(got.origin, 'client-1');
      assert.equal(got.expiresAt, sent.expiresAt);
      assert.equal(got.properties?.contentType, 'application/octet-stream');
      assert.equal(got.properties?.payloadFormatIndicator, 1);
      assert.equal(got.properties?.responseTopic, 'reply/to');
      assert.deepEqual([...(got.properties?.correlationData ?? [])], [9, 8, 7]);
      assert.deepEqual(got.properties?.userProperties, sent.properties?.userProperties);
      await bus.close();
    },
  },
  {
    name: 'delivers nothing after close()',
    async run(bus) {
      let count = 0;
      bus.onMessage(() => {
        count++;
      });
      await bus.close();
      bus.publish({ topic: 't', payload: bytes('late'), qos: 0, retain: false });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(count, 0);
    },
  },
];
