import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientInfo } from '../src/index.js';
import { nativeTcpBindings } from '../src/listeners/native-tcp.js';
import { connectPacket, RawClient, type Started, startBroker, text, until } from './harness.js';

/*
 * The TCP listener runs on bare libuv handles by default ('native') and on node:net when asked ('net').
 * Every other broker test runs on the default engine; these run the socket-level behaviours on both.
 */

const started: Started[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function brokerOn(engine: 'native' | 'net', extra: Parameters<typeof startBroker>[0] = {}) {
  const s = await startBroker({ listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0, engine }], ...extra });
  started.push(s);
  return s;
}

function rawSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the socket receives until the broker closes it. */
function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.on('close', () => resolve(Buffer.concat(chunks))));
}

const CONNECT_V4 = Buffer.from([
  0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x61,
]);

describe('TCP listener engines', () => {
  it('serves on libuv handles by default on this node, and reports the engine in addresses()', async () => {
    expect(nativeTcpBindings()).toBeDefined();
    const s = await startBroker();
    started.push(s);
    expect(s.broker.addresses()[0]?.engine).toBe('native');
    const n = await brokerOn('net');
    expect(n.broker.addresses()[0]?.engine).toBe('net');
  });

  it('falls back to node:net for a host name, which needs a DNS lookup', async () => {
    const s = await startBroker({ listeners: [{ type: 'tcp', host: 'localhost', port: 0 }] });
    started.push(s);
    expect(s.broker.addresses()[0]?.engine).toBe('net');
  });

  for (const engine of ['native', 'net'] as const) {
    describe(engine, () => {
      it('refuses a port already in use with EADDRINUSE', async () => {
        const s = await brokerOn(engine);
        const { createBroker } = await import('../src/index.js');
        const clash = createBroker({ listeners: [{ type: 'tcp', host: '127.0.0.1', port: s.port, engine }] });
        await expect(clash.listen()).rejects.toThrow(/EADDRINUSE/);
      });

      it('answers a CONNECT split byte by byte and merged with the next packet', async () => {
        const s = await brokerOn(engine);
        const socket = await rawSocket(s.port);
        const received = readAll(socket);
        for (const byte of CONNECT_V4) {
          socket.write(Buffer.of(byte));
          await new Promise((resolve) => setImmediate(resolve));
        }
        // PINGREQ and DISCONNECT in one write.
        socket.write(Buffer.from([0xc0, 0x00, 0xe0, 0x00]));
        const bytes = await received;
        expect([...bytes]).toEqual([0x20, 0x02, 0x00, 0x00, 0xd0, 0x00]);
      });

      it('still answers a client that half-closes right after its CONNECT, then closes', async () => {
        const s = await brokerOn(engine);
        const socket = await rawSocket(s.port);
        const received = readAll(socket);
        socket.end(CONNECT_V4);
        expect([...(await received)]).toEqual([0x20, 0x02, 0x00, 0x00]);
        await until(() => s.broker.connections.size === 0);
      });

      it('reports the peer address in client events and counts a reset connection as a network loss', async () => {
        const s = await brokerOn(engine);
        const connected = new Promise<ClientInfo>((resolve) => s.broker.once('client', resolve));
        const gone = new Promise<{ info: ClientInfo; by: string }>((resolve) =>
          s.broker.once('clientDisconnect', (info, reason) => resolve({ info, by: reason.by })),
        );
        const { client } = await RawClient.connect(s.port, { clientId: 'reset-me' });
        const info = await connected;
        expect(info.remoteAddress).toBe('127.0.0.1');
        client.socket.resetAndDestroy();
        const lost = await gone;
        expect(lost.by).toBe('network');
        expect(lost.info.clientId).toBe('reset-me');
      });

      it('delivers a 48 MiB payload to a subscriber that reads slowly, then more after it drains', async () => {
        const s = await brokerOn(engine, { limits: { maxPacketSize: 64 * 1024 * 1024 } });
        const { client: sub } = await RawClient.connect(s.port, { clientId: 'slow-sub' });
        sub.send({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'big/#', qos: 1 }] });
        await sub.expectPacket('suback');
        sub.socket.pause();
        const { client: pub } = await RawClient.connect(s.port, { clientId: 'big-pub' });
        // More than the kernel buffers on both ends of a loopback connection hold (receive buffers grow to 32 MiB).
        const big = Buffer.alloc(48 * 1024 * 1024, 'mq-');
        pub.send({
          type: 'publish',
          topic: 'big/1',
          qos: 1,
          retain: false,
          dup: false,
          packetId: 7,
          payload: big,
        });
        await pub.expectPacket('puback', 15000);
        for (let i = 0; i < 50; i++) {
          pub.send({
            type: 'publish',
            topic: 'big/2',
            qos: 1,
            retain: false,
            dup: false,
            packetId: 100 + i,
            payload: text(`m${i}`),
          });
        }
        // The broker's socket backs up (the OS took only part of it) while the subscriber does not read.
        await until(() => s.broker.connections.get('slow-sub')?.canWrite() === false);
        sub.socket.resume();
        const first = await sub.expectPacket('publish', 15000);
        expect(first.payload.length).toBe(big.length);
        expect(Buffer.from(first.payload).equals(Buffer.from(big))).toBe(true);
        sub.send({ type: 'puback', packetId: first.packetId! });
        const small: string[] = [];
        while (small.length < 50) {
          const p = await sub.expectPacket('publish');
          small.push(Buffer.from(p.payload).toString());
          sub.send({ type: 'puback', packetId: p.packetId! });
        }
        expect(small).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
        await Promise.all([pub.end(), sub.end()]);
      });

      it('flushes a DISCONNECT to a v5 client before closing when the broker shuts down', async () => {
        const s = await brokerOn(engine);
        const { client } = await RawClient.connect(s.port, { clientId: 'v5', protocolVersion: 5 });
        const closing = s.broker.close();
        const p = await client.nextPacket();
        expect(p).toMatchObject({ type: 'disconnect', reasonCode: 0x8b });
        await closing;
        await client.closed();
      });

      it('keeps reading in order while an async hook holds the connection', async () => {
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const s = await brokerOn(engine, {
          auth: {
            authenticate: async () => {
              await gate;
              return true;
            },
          },
          limits: { maxPendingPackets: 4 },
        });
        const socket = await rawSocket(s.port);
        const received = readAll(socket);
        socket.write(CONNECT_V4);
        // More packets than maxPendingPackets while CONNECT waits: reading pauses, nothing is lost.
        for (let i = 0; i < 10; i++) socket.write(Buffer.from([0xc0, 0x00]));
        socket.write(Buffer.from([0xe0, 0x00]));
        await new Promise((resolve) => setTimeout(resolve, 50));
        release();
        const bytes = [...(await received)];
        expect(bytes.slice(0, 4)).toEqual([0x20, 0x02, 0x00, 0x00]);
        expect(bytes.slice(4)).toEqual(Array.from({ length: 10 }, () => [0xd0, 0x00]).flat());
      });
    });
  }
});

describe('connectPacket helper', () => {
  it('encodes the same CONNECT the raw tests above write by hand', async () => {
    const { encodePacket } = await import('@mq/codec');
    const bytes = encodePacket(connectPacket({ clientId: 'a', keepAlive: 60 }), 4);
    expect(Buffer.from(bytes).equals(CONNECT_V4)).toBe(true);
  });
});
