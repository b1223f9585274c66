import { createServer, type Socket } from 'node:net';
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

  it.each([
    ['mqtts', 'a TLS handshake'],
    ['ws', 'a WebSocket upgrade'],
  ])('aborts %s:// when ended while %s never completes', async (scheme) => {
    // A server that accepts the TCP connection and then says nothing at all.
    const silent = new Set<Socket>();
    const server = createServer((socket) => {
      silent.add(socket);
      socket.on('close', () => silent.delete(socket));
      socket.on('error', () => {});
      // Read (and drop) what arrives, so the end of the stream is noticed.
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const client = createClient(`${scheme}://127.0.0.1:${port}/mqtt`, { connectTimeout: 60_000 });
      await waitUntil(() => silent.size === 1, 5000, 'the attempt to arrive');
      await client.end();
      await waitUntil(() => silent.size === 0 && sockets() === 0, 5000, 'the attempt to be dropped').catch(
        () => {},
      );
      expect(silent.size).toBe(0);
      expect(sockets()).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      for (const socket of silent) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
