import net from 'node:net';
import {
  type ConnectPacket,
  encodePacket,
  type Packet,
  PacketDecoder,
  type ProtocolVersion,
} from '@mq/codec';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Broker, type BrokerOptions, createBroker } from '../src/index.js';

export interface Started {
  broker: Broker;
  port: number;
  close(): Promise<void>;
}

/** A broker on an ephemeral 127.0.0.1 port, $SYS off unless asked for. */
export async function startBroker(options: BrokerOptions = {}): Promise<Started> {
  const broker = createBroker({
    listeners: [{ type: 'tcp', host: '127.0.0.1', port: 0 }],
    ...options,
    sys: { enabled: false, ...options.sys },
  });
  const [address] = await broker.listen();
  return { broker, port: address!.port, close: () => broker.close() };
}

/** A client that speaks raw packets through @mq/codec, for what well-behaved clients never send. */
export class RawClient {
  readonly socket: net.Socket;
  version: ProtocolVersion;
  readonly #decoder: PacketDecoder;
  readonly #packets: Packet[] = [];
  #waiters: Array<(p: Packet | undefined) => void> = [];
  #closed: Promise<void>;
  #isClosed = false;
  error: Error | undefined;

  private constructor(socket: net.Socket, version: ProtocolVersion) {
    this.socket = socket;
    this.version = version;
    this.#decoder = new PacketDecoder({ protocolVersion: version, side: 'client' });
    socket.on('data', (chunk) => {
      try {
        this.#decoder.push(chunk, (p) => {
          const w = this.#waiters.shift();
          if (w) w(p);
          else this.#packets.push(p);
        });
      } catch (err) {
        this.error = err as Error;
        socket.destroy();
      }
    });
    this.#closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#isClosed = true;
        for (const w of this.#waiters.splice(0)) w(undefined);
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  static open(port: number, version: ProtocolVersion = 4): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new RawClient(socket, version)));
      socket.once('error', reject);
    });
  }

  /** Opens a socket, sends CONNECT and returns the client with the CONNACK. */
  static async connect(
    port: number,
    connect: Partial<ConnectPacket> & { clientId: string },
  ): Promise<{ client: RawClient; connack: Packet }> {
    const version = connect.protocolVersion ?? 4;
    const client = await RawClient.open(port, version);
    client.send(connectPacket(connect));
    const connack = await client.nextPacket();
    return { client, connack };
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  send(packet: Packet): void {
    this.socket.write(encodePacket(packet, this.version));
  }

  writeRaw(bytes: Uint8Array | number[]): void {
    this.socket.write(Uint8Array.from(bytes));
  }

  /** The next packet; rejects if the socket closes first or nothing comes within `ms`. */
  nextPacket(ms = 5000): Promise<Packet> {
    const queued = this.#packets.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#isClosed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no packet within ${ms} ms`));
      }, ms);
      const waiter = (p: Packet | undefined) => {
        clearTimeout(timer);
        if (p) resolve(p);
        else reject(new Error('connection closed'));
      };
      this.#waiters.push(waiter);
    });
  }

  /** Next packet of a given type, skipping nothing: fails if another type comes. */
  async expectPacket<T extends Packet['type']>(type: T, ms = 5000): Promise<Extract<Packet, { type: T }>> {
    const p = await this.nextPacket(ms);
    if (p.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(p)}`);
    return p as Extract<Packet, { type: T }>;
  }

  /** Resolves with the packet received within `ms`, or undefined if none (and the socket stayed open). */
  async expectNoPacket(ms = 300): Promise<Packet | undefined> {
    return this.nextPacket(ms).then(
      (p) => p,
      () => undefined,
    );
  }

  /** Resolves when the broker has closed the connection (rejects after `ms`). */
  closed(ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
      void this.#closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  async end(): Promise<void> {
    this.socket.end();
    this.socket.destroy();
    await this.#closed;
  }
}

export function connectPacket(p: Partial<ConnectPacket> & { clientId: string }): ConnectPacket {
  const version = p.protocolVersion ?? 4;
  return {
    type: 'connect',
    protocolVersion: version,
    protocolName: version === 3 ? 'MQIsdp' : 'MQTT',
    cleanStart: true,
    keepAlive: 60,
    ...p,
  };
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** An MQTT.js client connected to the broker; resolves on 'connect'. */
export function mqttConnect(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect({
      host: '127.0.0.1',
      port,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...options,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

export function endClient(client: MqttClient, force = false): Promise<void> {
  return new Promise((resolve) => client.end(force, {}, () => resolve()));
}

/** Resolves with the first event value that satisfies `predicate`. */
export function waitFor<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  predicate: (value: T) => boolean = () => true,
  ms = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`condition not met within ${ms} ms`));
    }, ms);
    const unsubscribe = subscribe((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

/** Collects MQTT.js messages as {topic, payload, packet}. */
export function collectMessages(client: MqttClient) {
  const messages: Array<{ topic: string; payload: string; packet: mqtt.IPublishPacket }> = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), packet });
    for (const w of waiters.splice(0)) w();
  });
  return {
    messages,
    async waitForCount(n: number, ms = 5000): Promise<void> {
      const deadline = Date.now() + ms;
      while (messages.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`got ${messages.length} of ${n} messages`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}

/** Polls `condition` every 10 ms; rejects if it is still false after `ms`. */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
