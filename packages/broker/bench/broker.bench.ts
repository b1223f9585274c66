/**
 * End-to-end broker throughput over loopback TCP: raw publishers and subscribers (pre-encoded packets,
 * counting decoder) so the numbers are the broker's, not a client library's. Client and broker share
 * the machine's cores, so treat results as relative.
 *
 *   pnpm --filter @mq/broker bench
 */
import net from 'node:net';
import { encodePacket, type Packet, PacketDecoder } from '@mq/codec';
import { createBroker } from '../src/index.js';

interface Peer {
  socket: net.Socket;
  onPacket: (p: Packet) => void;
}

function connect(port: number, clientId: string, onPacket: (p: Packet) => void): Promise<Peer> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const decoder = new PacketDecoder({ protocolVersion: 4, side: 'client' });
    const peer: Peer = { socket, onPacket };
    let connected = false;
    socket.on('data', (chunk) =>
      decoder.push(chunk, (p) => {
        if (!connected && p.type === 'connack') {
          connected = true;
          resolve(peer);
          return;
        }
        peer.onPacket(p);
      }),
    );
    socket.write(
      encodePacket(
        {
          type: 'connect',
          protocolVersion: 4,
          protocolName: 'MQTT',
          clientId,
          cleanStart: true,
          keepAlive: 0,
        },
        4,
      ),
    );
  });
}

async function subscribe(peer: Peer, topicFilter: string, qos: 0 | 1): Promise<void> {
  await new Promise<void>((resolve) => {
    const previous = peer.onPacket;
    peer.onPacket = (p) => {
      if (p.type === 'suback') {
        peer.onPacket = previous;
        resolve();
      }
    };
    peer.socket.write(
      encodePacket({ type: 'subscribe', packetId: 1, subscriptions: [{ topicFilter, qos }] }, 4),
    );
  });
}

async function scenario(name: string, subscribers: number, messages: number, qos: 0 | 1, payloadSize = 64) {
  // Queues large enough that a burst is measured, not dropped by the queue bound.
  const broker = createBroker({
    listeners: [{ type: 'tcp', port: 0 }],
    sys: { enabled: false },
    limits: { maxQueuedMessages: 1_000_000 },
  });
  const [address] = await broker.listen();
  const port = address!.port;
  const expected = subscribers * messages;
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const subs: Peer[] = [];
  for (let i = 0; i < subscribers; i++) {
    const peer = await connect(port, `sub-${i}`, () => {});
    await subscribe(peer, 'bench/#', qos);
    peer.onPacket = (p) => {
      if (p.type !== 'publish') return;
      if (p.qos === 1) peer.socket.write(encodePacket({ type: 'puback', packetId: p.packetId! }, 4));
      if (++received === expected) done();
    };
    subs.push(peer);
  }
  let acked = 0;
  let window!: () => void;
  const pub = await connect(port, 'pub', (p) => {
    if (p.type === 'puback') {
      acked++;
      window?.();
    }
  });
  const payload = new Uint8Array(payloadSize);
  const started = process.hrtime.bigint();
  // Publish in batches of 500, keeping at most 1000 QoS 1 messages unacknowledged.
  for (let sent = 0; sent < messages; ) {
    const batch: Uint8Array[] = [];
    for (let i = 0; i < 500 && sent < messages; i++, sent++) {
      batch.push(
        encodePacket(
          {
            type: 'publish',
            topic: `bench/${sent % 16}`,
            payload,
            qos,
            retain: false,
            dup: false,
            ...(qos === 1 && { packetId: (sent % 65535) + 1 }),
          },
          4,
        ),
      );
    }
    pub.socket.write(Buffer.concat(batch));
    if (qos === 1) {
      while (sent - acked > 1000) await new Promise<void>((resolve) => (window = resolve));
    } else if (pub.socket.writableNeedDrain) {
      await new Promise((resolve) => pub.socket.once('drain', resolve));
    }
  }
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const deliveries = Math.round(expected / seconds);
  console.log(
    `${name.padEnd(34)} ${String(messages).padStart(7)} msgs ${String(expected).padStart(8)} deliveries ` +
      `${seconds.toFixed(2).padStart(6)} s  ${String(deliveries).padStart(8)} deliveries/s  ` +
      `dropped=${broker.stats.qos0Dropped + broker.stats.queueDropped}`,
  );
  for (const s of [...subs, pub]) s.socket.destroy();
  await broker.close();
}

await scenario('QoS 0, 1 publisher -> 1 subscriber', 1, 200_000, 0);
await scenario('QoS 1, 1 publisher -> 1 subscriber', 1, 100_000, 1);
await scenario('QoS 0, fan-out to 100 subscribers', 100, 10_000, 0);
await scenario('QoS 1, fan-out to 100 subscribers', 100, 5_000, 1);
