import net from 'node:net';
import { encodePacket, type Packet, PacketDecoder } from '@mq/codec';

/**
 * A bare MQTT 5 connection for what MQTT.js will not do, such as leaving a QoS 1 PUBLISH unacknowledged:
 * it acknowledges nothing and records every packet it receives.
 */
export class RawClient {
  readonly packets: Packet[] = [];
  readonly closed: Promise<void>;
  readonly #socket: net.Socket;
  readonly #waiters = new Set<() => void>();

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    const decoder = new PacketDecoder({ protocolVersion: 5, side: 'client' });
    socket.on('data', (chunk) =>
      decoder.push(chunk, (packet) => {
        this.packets.push(packet);
        for (const wake of this.#waiters) wake();
      }),
    );
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(packet: Packet): void {
    this.#socket.write(encodePacket(packet, 5));
  }

  /** Resolves with the first received packet matching `predicate` (rejects after `ms`). */
  until(predicate: (packet: Packet) => boolean, what: string, ms = 15_000): Promise<Packet> {
    const found = this.packets.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${this.packets.length} packets`));
      }, ms);
      const check = () => {
        const packet = this.packets.find(predicate);
        if (!packet) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(packet);
      };
      this.#waiters.add(check);
    });
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
