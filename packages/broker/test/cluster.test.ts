import { afterEach, describe, expect, it } from 'vitest';
import {
  type Broker,
  createBroker,
  LocalRouteBus,
  type Message,
  type RouteBus,
  routeBusContract,
} from '../src/index.js';
import { RawClient, text } from './harness.js';

describe('RouteBus contract: LocalRouteBus', () => {
  for (const c of routeBusContract) {
    it(c.name, () => c.run(new LocalRouteBus()));
  }
});

/** Two brokers joined by an in-memory "cluster": every publish reaches both, claims reach the other. */
function linkedBuses(): [RouteBus, RouteBus] {
  const nodes: Array<{ deliver?: (m: Message) => void; claimed?: (id: string) => void }> = [{}, {}];
  const bus = (self: number): RouteBus => ({
    publish: (m) => {
      for (const node of nodes) node.deliver?.(m);
    },
    onMessage: (deliver) => {
      nodes[self]!.deliver = deliver;
    },
    claimSession: (clientId) => nodes[1 - self]!.claimed?.(clientId),
    onSessionClaimed: (handler) => {
      nodes[self]!.claimed = handler;
    },
    close: async () => {
      nodes[self] = {};
    },
  });
  return [bus(0), bus(1)];
}

describe('cluster seam', () => {
  const brokers: Broker[] = [];
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
  });

  async function start(routeBus: RouteBus): Promise<number> {
    const broker = createBroker({ listeners: [{ type: 'tcp', port: 0 }], routeBus, sys: { enabled: false } });
    brokers.push(broker);
    const [address] = await broker.listen();
    return address!.port;
  }

  it('routes a message published on one node to a subscriber on another', async () => {
    const [a, b] = linkedBuses();
    const portA = await start(a);
    const portB = await start(b);
    const { client: sub } = await RawClient.connect(portB, { clientId: 'sub' });
    sub.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'x/#', qos: 1 }] });
    await sub.expectPacket('suback');
    const { client: pub } = await RawClient.connect(portA, { clientId: 'pub' });
    pub.send({
      type: 'publish',
      topic: 'x/1',
      payload: text('across'),
      qos: 1,
      packetId: 1,
      retain: false,
      dup: false,
    });
    expect(await sub.expectPacket('publish')).toMatchObject({ topic: 'x/1', qos: 1 });
    await pub.end();
    await sub.end();
  });

  it('[MQTT-3.1.4-3] takes a client over across nodes with DISCONNECT 0x8E', async () => {
    const [a, b] = linkedBuses();
    const portA = await start(a);
    const portB = await start(b);
    const old = await RawClient.connect(portA, { clientId: 'roamer', protocolVersion: 5 });
    await RawClient.connect(portB, { clientId: 'roamer', protocolVersion: 5 });
    expect(await old.client.nextPacket()).toMatchObject({ type: 'disconnect', reasonCode: 0x8e });
    await old.client.closed();
  });
});
