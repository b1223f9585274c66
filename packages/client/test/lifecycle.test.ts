import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { connect, createClient } from '../src/index.js';
import { FakeBroker } from './helpers/fake-broker.js';
import { waitUntil } from './helpers/transport-probe.js';

/** Open TCP sockets of this process (client and fake-broker sides). */
const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

describe('no leaks after end()', () => {
  let broker: FakeBroker | undefined;
  beforeAll(async () => {
    broker = await FakeBroker.start();
  });
  afterAll(async () => {
    await broker?.close();
  });
  // Fake timers that still follow real time: the client works normally, and every timer it
  // creates is counted by vi.getTimerCount() (vitest's own timers are not).
  beforeEach(() => {
    vi.useFakeTimers({
      shouldAdvanceTime: true,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no timer or socket behind after a session with keepalive, publishes and subscriptions', async () => {
    const client = await connect((broker as FakeBroker).url, { keepAlive: 5 });
    await client.subscribe('a/#', { qos: 1 });
    await Promise.all([0, 1, 2].map((qos) => client.publish('a/b', 'x', { qos: qos as 0 | 1 | 2 })));
    await client.end();
    await broker?.connections.at(-1)?.closed;
    await waitUntil(() => sockets() === 0, 2000, 'sockets closed').catch(() => {});
    expect(sockets()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves nothing behind when ended while reconnecting', async () => {
    const client = createClient((broker as FakeBroker).url, { reconnect: { initialDelay: 10_000 } });
    await client.whenConnected();
    const reconnecting = new Promise<void>((resolve) => client.once('reconnecting', () => resolve()));
    broker?.connections.at(-1)?.destroy();
    await reconnecting;
    await client.end();
    expect(client.state).toBe('closed');
    await waitUntil(() => sockets() === 0, 2000, 'sockets closed').catch(() => {});
    expect(sockets()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
