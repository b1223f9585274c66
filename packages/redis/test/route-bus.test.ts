import { type Message, type RouteBus, routeBusContract } from '@mq/broker';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/mosquitto.js';
import { type RedisHandle, startRedis } from '../../../test-support/redis.js';
import { hasSystemPeer } from '../../../test-support/system-peers.js';
import { RedisRouteBus } from '../src/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * Two nodes seen as one bus: publish() goes in on the first, onMessage() listens on the second, so the
 * contract runs over the wire (encoding, channel, decoding) rather than the local short cut.
 */
function acrossNodes(sender: RedisRouteBus, receiver: RedisRouteBus): RouteBus {
  return {
    publish: (m) => sender.publish(m),
    onMessage: (deliver) => receiver.onMessage(deliver),
    close: async () => {
      await Promise.all([sender.close(), receiver.close()]);
    },
  };
}

/** Records the payloads a bus delivers and waits for a given one. */
function collector(bus: RedisRouteBus) {
  const got: string[] = [];
  const waiters = new Map<string, () => void>();
  bus.onMessage((m) => {
    const payload = text(m.payload);
    got.push(payload);
    waiters.get(payload)?.();
  });
  const seen = (payload: string) =>
    got.includes(payload) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(payload, resolve));
  return { bus, got, seen };
}

describe.runIf(hasSystemPeer('redis-server'))('RedisRouteBus against redis-server', () => {
  let server: RedisHandle;
  const buses: RedisRouteBus[] = [];
  let prefixes = 0;

  async function node(prefix: string, nodeId?: string): Promise<RedisRouteBus> {
    const bus = new RedisRouteBus({ redis: server.url, prefix, ...(nodeId && { nodeId }) });
    buses.push(bus);
    await bus.ready();
    return bus;
  }

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await server?.stop();
  });

  describe('route bus contract, one node', () => {
    for (const c of routeBusContract) {
      it(c.name, async () => c.run(await node(`one${++prefixes}:`)));
    }
  });

  describe('route bus contract, published on one node and delivered on another', () => {
    for (const c of routeBusContract) {
      it(c.name, async () => {
        const prefix = `two${++prefixes}:`;
        await c.run(acrossNodes(await node(prefix, 'a'), await node(prefix, 'b')));
      });
    }
  });

  it('delivers each message once on every node, its publisher included, in one order everywhere', async () => {
    const prefix = 'once:';
    const a = collector(await node(prefix, 'a'));
    const b = collector(await node(prefix, 'b'));
    a.bus.publish({ topic: 't', payload: bytes('from-a'), qos: 1, retain: false });
    // Not at publish time: the publisher's node delivers from the echo like every other node.
    expect(a.got).toEqual([]);
    b.bus.publish({ topic: 't', payload: bytes('from-b'), qos: 1, retain: false });
    a.bus.publish({ topic: 't', payload: bytes('last'), qos: 1, retain: false });
    b.bus.publish({ topic: 't', payload: bytes('barrier'), qos: 1, retain: false });
    // Each node's messages keep their order, so the last of each marks that node's as all arrived.
    await Promise.all([a.seen('barrier'), b.seen('barrier'), a.seen('last'), b.seen('last')]);
    expect(a.got).toHaveLength(4);
    expect(new Set(a.got).size).toBe(4);
    expect(b.got).toEqual(a.got);
    expect(a.got.indexOf('from-a')).toBeLessThan(a.got.indexOf('last'));
    expect(a.got.indexOf('from-b')).toBeLessThan(a.got.indexOf('barrier'));
  });

  it('tells other nodes, not itself, that it claimed a session', async () => {
    const prefix = 'claims:';
    const a = await node(prefix, 'a');
    const b = await node(prefix, 'b');
    const claimedOnA: string[] = [];
    a.onSessionClaimed((id) => claimedOnA.push(id));
    const claimedOnB = new Promise<string>((resolve) => b.onSessionClaimed(resolve));
    a.claimSession('roamer');
    expect(await claimedOnB).toBe('roamer');
    // A claim by b travels the same channel after a's; once b's reached a, a's own would have too.
    const second = new Promise<string>((resolve) => a.onSessionClaimed(resolve));
    b.claimSession('other');
    expect(await second).toBe('other');
    expect(claimedOnA).toEqual([]);
  });

  it('reports a malformed frame to onError and keeps delivering', async () => {
    const prefix = 'bad-frame:';
    const errors: Error[] = [];
    const bus = new RedisRouteBus({ redis: server.url, prefix, onError: (e) => errors.push(e) });
    buses.push(bus);
    await bus.ready();
    const other = new RedisRouteBus({ redis: server.url, prefix, onError: (e) => errors.push(e) });
    buses.push(other);
    await other.ready();
    const delivered = new Promise<Message>((resolve) => bus.onMessage(resolve));
    const deliveredToOther = new Promise<Message>((resolve) => other.onMessage(resolve));
    const raw = new Redis(server.url);
    await raw.publish(`${prefix}bus:messages`, Buffer.from([9, 9, 9]));
    await raw.quit();
    other.publish({ topic: 'good', payload: bytes('ok'), qos: 0, retain: false });
    expect((await delivered).topic).toBe('good');
    expect((await deliveredToOther).topic).toBe('good');
    // Both nodes read the bad frame, before the good one.
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toMatchObject({ name: 'RedisBackendError', code: 'BAD_RECORD' });
  });

  it('closes at once while Redis is unreachable', async () => {
    const errors: Error[] = [];
    const bus = new RedisRouteBus({
      redis: `redis://127.0.0.1:${await freePort()}`,
      onError: (e) => errors.push(e),
    });
    const ready = bus.ready().then(
      () => 'ready',
      () => 'rejected',
    );
    bus.publish({ topic: 't', payload: bytes('lost'), qos: 0, retain: false });
    await bus.close();
    expect(await ready).toBe('rejected');
  });

  it('closes idempotently, with a caller-provided client left open', async () => {
    const client = new Redis(server.url);
    const bus = new RedisRouteBus({ redis: client, prefix: 'own:' });
    await bus.ready();
    await Promise.all([bus.close(), bus.close()]);
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
