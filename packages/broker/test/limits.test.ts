import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerLimits } from '../src/index.js';
import { WindowCounter } from '../src/rate-limit.js';
import { RawClient, type Started, startBroker, text } from './harness.js';

let started: Started | undefined;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.destroy();
  await started?.close();
  started = undefined;
});

async function start(limits: Partial<BrokerLimits>): Promise<Started> {
  started = await startBroker({ limits });
  return started;
}

async function connect(port: number, clientId: string, protocolVersion: 4 | 5 = 5) {
  const result = await RawClient.connect(port, { clientId, protocolVersion });
  raws.push(result.client);
  return result;
}

describe('WindowCounter', () => {
  it('allows `limit` events per window and starts over in the next window', () => {
    const counter = new WindowCounter(2, 1000);
    expect([counter.take(0), counter.take(10), counter.take(20)]).toEqual([true, true, false]);
    expect(counter.idle(999)).toBe(false);
    expect(counter.take(1000)).toBe(true);
    expect(counter.idle(2000)).toBe(true);
  });
});

describe('connection limits', () => {
  it('refuses connections over maxConnections with 0x97 (v5) and code 3 (3.1.1)', async () => {
    const s = await start({ maxConnections: 2 });
    expect((await connect(s.port, 'a')).connack).toMatchObject({ reasonCode: 0 });
    expect((await connect(s.port, 'b')).connack).toMatchObject({ reasonCode: 0 });
    const third = await connect(s.port, 'c');
    expect(third.connack).toMatchObject({ type: 'connack', reasonCode: 0x97 });
    await third.client.closed();
    expect((await connect(s.port, 'd', 4)).connack).toMatchObject({ reasonCode: 3 });
    // A slot freed by a closed connection is usable again.
    raws[0]!.destroy();
    await raws[0]!.closed();
    await expect
      .poll(async () => {
        const retry = await connect(s.port, 'e');
        return (retry.connack as { reasonCode: number }).reasonCode;
      })
      .toBe(0);
  });

  it('refuses connections over maxConnectionsPerIp with 0x97', async () => {
    const s = await start({ maxConnectionsPerIp: 1 });
    expect((await connect(s.port, 'a')).connack).toMatchObject({ reasonCode: 0 });
    expect((await connect(s.port, 'b')).connack).toMatchObject({ reasonCode: 0x97 });
  });

  it('refuses connections over connectRatePerIp with 0x9F Connection rate exceeded', async () => {
    const s = await start({ connectRatePerIp: 2, connectRateIntervalMs: 60_000 });
    expect((await connect(s.port, 'a')).connack).toMatchObject({ reasonCode: 0 });
    expect((await connect(s.port, 'b')).connack).toMatchObject({ reasonCode: 0 });
    expect((await connect(s.port, 'c')).connack).toMatchObject({ reasonCode: 0x9f });
    expect((await connect(s.port, 'd', 4)).connack).toMatchObject({ reasonCode: 3 });
  });
});

describe('publish rate limit', () => {
  const publish = (i: number) =>
    ({
      type: 'publish',
      topic: 'flood',
      payload: text(String(i)),
      qos: 0,
      retain: false,
      dup: false,
    }) as const;

  it('disconnects a v5 client above maxPublishRate with DISCONNECT 0x96 and spares the others', async () => {
    const s = await start({ maxPublishRate: 5, publishRateIntervalMs: 60_000 });
    const { client: flooder } = await connect(s.port, 'flooder');
    const { client: calm } = await connect(s.port, 'calm');
    for (let i = 0; i < 20; i++) flooder.send(publish(i));
    expect(await flooder.nextPacket()).toMatchObject({ type: 'disconnect', reasonCode: 0x96 });
    await flooder.closed();
    calm.send({ type: 'pingreq' });
    expect(await calm.nextPacket()).toMatchObject({ type: 'pingresp' });
  });

  it('closes a 3.1.1 client above maxPublishRate', async () => {
    const s = await start({ maxPublishRate: 3, publishRateIntervalMs: 60_000 });
    const { client } = await connect(s.port, 'flooder', 4);
    for (let i = 0; i < 10; i++) client.send(publish(i));
    await client.closed();
  });

  it('lets a client publish up to the limit', async () => {
    const s = await start({ maxPublishRate: 5, publishRateIntervalMs: 60_000 });
    const { client } = await connect(s.port, 'ok');
    for (let i = 1; i <= 5; i++) {
      client.send({ ...publish(i), qos: 1, packetId: i });
      expect(await client.nextPacket()).toMatchObject({ type: 'puback', packetId: i });
    }
  });
});
