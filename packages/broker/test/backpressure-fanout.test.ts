import net from 'node:net';
import { encodePacket, type Packet, PacketDecoder } from '@mq/codec';
import { afterEach, describe, expect, it } from 'vitest';
import { connectPacket, type Started, startBroker, until } from './harness.js';

/*
 * Fan-out under queuePolicy 'backpressure' with subscribers that keep stalling: the broker holds the
 * publisher for whichever subscriber socket is over its high-water mark and must let it go again every
 * time. A hold that is never released shows as a stall here (the tail of the stream never arrives).
 */

let started: Started | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await started?.close();
  started = undefined;
});

/** A raw MQTT 3.1.1 connection that hands every decoded packet to `onPacket`. */
async function open(port: number, clientId: string, onPacket: (p: Packet) => void): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const decoder = new PacketDecoder({ protocolVersion: 4, side: 'client' });
  let connected!: () => void;
  const connack = new Promise<void>((resolve) => {
    connected = resolve;
  });
  socket.on('data', (chunk) =>
    decoder.push(chunk, (p) => {
      if (p.type === 'connack') connected();
      else onPacket(p);
    }),
  );
  socket.write(encodePacket(connectPacket({ clientId, protocolVersion: 4 }), 4));
  await connack;
  return socket;
}

describe('QoS 0 fan-out under backpressure', () => {
  it('delivers every QoS 0 message to 20 stalling subscribers, in order, none dropped', async () => {
    started = await startBroker({ limits: { socketHighWaterMark: 2048 } });
    const subscribers = 20;
    const messages = 20_000;
    const received = new Array<number>(subscribers).fill(0);
    const outOfOrder = new Array<number>(subscribers).fill(0);
    let subacks = 0;
    for (let s = 0; s < subscribers; s++) {
      const socket = await open(started.port, `stall-${s}`, (p) => {
        if (p.type === 'suback') subacks++;
        if (p.type !== 'publish') return;
        const seq = new DataView(p.payload.buffer, p.payload.byteOffset).getUint32(0);
        if (seq !== received[s]) outOfOrder[s]!++;
        received[s]!++;
      });
      socket.write(
        encodePacket(
          { type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter: 'fan/#', qos: 0 }] },
          4,
        ),
      );
      // Stall for 5-13 ms every 1-11 ms, each subscriber on its own rhythm.
      const stall = (): void => {
        if (socket.destroyed) return;
        socket.pause();
        setTimeout(
          () => {
            socket.resume();
            setTimeout(stall, 1 + ((s * 7) % 11));
          },
          5 + ((s * 5) % 9),
        );
      };
      setTimeout(stall, s);
    }
    await until(() => subacks === subscribers);

    const publisher = await open(started.port, 'fan-pub', () => {});
    let sent = 0;
    const allSent = new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < messages) {
          const payload = new Uint8Array(512);
          new DataView(payload.buffer).setUint32(0, sent);
          const bytes = encodePacket(
            { type: 'publish', topic: `fan/${sent % 4}`, qos: 0, retain: false, dup: false, payload },
            4,
          );
          sent++;
          if (!publisher.write(bytes)) {
            publisher.once('drain', pump);
            return;
          }
        }
        resolve();
      };
      pump();
    });
    // A publisher held for good never gets its socket drained: bounded waits, then the counts say where.
    await Promise.race([allSent, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    await until(() => received.every((n) => n === messages), 20_000).catch(() => {});
    const { qos0Dropped, publisherHolds } = started.broker.stats;
    expect({ sent, received, outOfOrder, qos0Dropped }).toEqual({
      sent: messages,
      received: new Array<number>(subscribers).fill(messages),
      outOfOrder: new Array<number>(subscribers).fill(0),
      qos0Dropped: 0,
    });
    // The run proves something only if the publisher was in fact held, and let go, many times.
    expect(publisherHolds).toBeGreaterThan(10);
  }, 60_000);
});
