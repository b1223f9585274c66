import { afterEach, describe, expect, it } from 'vitest';
import {
  type Broker,
  createBroker,
  LocalRouteBus,
  type Message,
  type RouteBus,
  routeBusContract,
} from '../src/index.js';

type DeliverMessage = Parameters<RouteBus['onMessage']>[0];
type SharedRoute = NonNullable<Parameters<DeliverMessage>[1]>;

import { connectPacket, RawClient, text, until } from './harness.js';

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

  /** A bus whose acquireSession hands each CONNECT's wait to the test. */
  function claimingBus(
    answer: (clientId: string, cleanStart: boolean) => Promise<void> | undefined,
  ): RouteBus {
    const local = new LocalRouteBus();
    return {
      publish: (m) => local.publish(m),
      onMessage: (deliver) => local.onMessage(deliver),
      acquireSession: answer,
      close: () => local.close(),
    };
  }

  it('awaits acquireSession before the session is looked up and CONNACK is sent', async () => {
    const asked: Array<[string, boolean]> = [];
    let release: () => void = () => {};
    const port = await start(
      claimingBus((clientId, cleanStart) => {
        asked.push([clientId, cleanStart]);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      }),
    );
    const client = await RawClient.open(port, 5);
    client.send(connectPacket({ clientId: 'mover', protocolVersion: 5, cleanStart: false }));
    expect(await client.expectNoPacket(200)).toBeUndefined();
    expect(asked).toEqual([['mover', false]]);
    release();
    expect(await client.expectPacket('connack')).toMatchObject({ reasonCode: 0, sessionPresent: false });
    await client.end();
  });

  it('goes on in the same CONNECT when acquireSession has nothing to wait for', async () => {
    const asked: string[] = [];
    const port = await start(
      claimingBus((clientId) => {
        asked.push(clientId);
        return undefined;
      }),
    );
    const { client, connack } = await RawClient.connect(port, { clientId: 'here', protocolVersion: 5 });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
    expect(asked).toEqual(['here']);
    await client.end();
  });

  it('refuses the CONNECT with 0x88 Server unavailable when acquireSession fails', async () => {
    const port = await start(claimingBus(() => Promise.reject(new Error('redis is gone'))));
    const { client, connack } = await RawClient.connect(port, { clientId: 'unlucky', protocolVersion: 5 });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0x88, sessionPresent: false });
    await client.closed();
  });

  it('does not ask the cluster about a client id the broker assigned', async () => {
    const asked: string[] = [];
    const port = await start(
      claimingBus((clientId) => {
        asked.push(clientId);
        return Promise.resolve();
      }),
    );
    const { client, connack } = await RawClient.connect(port, { clientId: '', protocolVersion: 5 });
    expect(connack).toMatchObject({ type: 'connack', reasonCode: 0 });
    expect(asked).toEqual([]);
    await client.end();
  });

  it('serves only the shared groups the route names, and reports the ones without a member here', async () => {
    const changes: Array<[string, boolean]> = [];
    let deliver: DeliverMessage = () => undefined;
    const port = await start({
      // The test routes by hand, as a cluster bus would.
      publish: () => {},
      onMessage: (d) => {
        deliver = d;
      },
      shareGroupChanged: (group, present) => changes.push([group, present]),
      close: async () => {},
    });
    const subscriber = async (clientId: string, topicFilter: string) => {
      const { client } = await RawClient.connect(port, { clientId, protocolVersion: 5 });
      client.send({
        type: 'subscribe',
        packetId: 1,
        subscriptions: [
          { topicFilter, qos: 1 },
          { topicFilter: 'end', qos: 0 },
        ],
      });
      await client.expectPacket('suback');
      return client;
    };
    const w1 = await subscriber('w1', '$share/g/t');
    const w2 = await subscriber('w2', '$share/g/t');
    const plain = await subscriber('plain', 't');
    // Announced once, for the first member.
    expect(changes).toEqual([['$share/g/t', true]]);
    const message = (topic: string, body: string): Message => ({
      topic,
      payload: text(body),
      qos: 1,
      retain: false,
    });
    /** What each client got up to the `end` marker delivered after a routed message. */
    const route = async (body: string, sharedRoute: SharedRoute) => {
      const missed = deliver(message('t', body), sharedRoute);
      deliver(message('end', body), { groups: new Set(), sharedOnly: false });
      const got: string[] = [];
      for (const [name, client] of [
        ['w1', w1],
        ['w2', w2],
        ['plain', plain],
      ] as const) {
        const first = await client.expectPacket('publish');
        if (first.topic === 't') {
          got.push(name);
          expect(await client.expectPacket('publish')).toMatchObject({ topic: 'end' });
        }
      }
      return { got, missed };
    };
    // Another node serves the group: only the plain subscriber here.
    expect(await route('elsewhere', { groups: new Set(), sharedOnly: false })).toEqual({
      got: ['plain'],
      missed: undefined,
    });
    // This node serves the group: one member, plus the plain subscriber.
    const both = await route('here', { groups: new Set(['$share/g/t']), sharedOnly: false });
    expect(both.got).toHaveLength(2);
    expect(both.got).toContain('plain');
    // Passed on by another node: the group only, the plain subscriber had it there.
    const passed = await route('passed', { groups: new Set(['$share/g/t']), sharedOnly: true });
    expect(passed.got).toHaveLength(1);
    expect(passed.got).not.toContain('plain');
    // Connected members serve a group that another node could take too.
    const connected = await route('connected', {
      groups: new Set(['$share/g/t']),
      sharedOnly: true,
      connectedOnly: new Set(['$share/g/t']),
    });
    expect(connected.got).toHaveLength(1);
    // A group without a member on this node comes back to the bus.
    expect(await route('nobody', { groups: new Set(['$share/other/t']), sharedOnly: true })).toEqual({
      got: [],
      missed: ['$share/other/t'],
    });
    w1.send({ type: 'unsubscribe', packetId: 2, topicFilters: ['$share/g/t'] });
    await w1.expectPacket('unsuback');
    expect(changes).toHaveLength(1);
    // The last member's session ends with its connection (Clean Start, no expiry).
    await w2.end();
    await until(() => changes.length === 2);
    expect(changes).toEqual([
      ['$share/g/t', true],
      ['$share/g/t', false],
    ]);
    await Promise.all([w1.end(), plain.end()]);
  });
});
