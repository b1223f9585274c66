import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createClient } from '../src/index.js';
import { FakeBroker } from './helpers/fake-broker.js';
import { waitUntil } from './helpers/transport-probe.js';

/** Timers and sockets this process holds, by kind (what would keep it alive). */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'Timeout' || kind === 'TCPSocketWrap' || kind === 'TCPServerWrap')
      counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** A leak stays; a handle libuv is still releasing goes away within a few ticks. */
async function expectBackTo(before: Record<string, number>): Promise<void> {
  const same = () => JSON.stringify(handles()) === JSON.stringify(before);
  await waitUntil(same, 2000, 'handles to return to the baseline').catch(() => {});
  expect(handles()).toEqual(before);
}

describe('no leaks after end()', () => {
  let broker: FakeBroker | undefined;
  beforeAll(async () => {
    broker = await FakeBroker.start();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('leaves no timer or socket behind after a session with keepalive, publishes and subscriptions', async () => {
    const url = (broker as FakeBroker).url;
    const before = handles();
    const client = await connect(url, { keepAlive: 5 });
    await client.subscribe('a/#', { qos: 1 });
    await Promise.all([0, 1, 2].map((qos) => client.publish('a/b', 'x', { qos: qos as 0 | 1 | 2 })));
    await client.end();
    await broker?.connections.at(-1)?.closed;
    await expectBackTo(before);
  });

  it('leaves nothing behind when ended while reconnecting', async () => {
    const url = (broker as FakeBroker).url;
    const before = handles();
    const client = createClient(url, { reconnect: { initialDelay: 10_000 } });
    await client.whenConnected();
    const reconnecting = new Promise<void>((resolve) => client.once('reconnecting', () => resolve()));
    broker?.connections.at(-1)?.destroy();
    await reconnecting;
    await client.end();
    expect(client.state).toBe('closed');
    await expectBackTo(before);
  });
});
