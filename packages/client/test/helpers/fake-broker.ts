import { createServer, type Server, type Socket } from 'node:net';
import {
  type ConnackPacket,
  type ConnectPacket,
  encodePacket,
  type Packet,
  PacketDecoder,
  type ProtocolVersion,
} from '@mq/codec';

/** One client connection as the fake broker sees it. */
export interface FakeConnection {
  readonly index: number;
  connect: ConnectPacket | undefined;
  received: Packet[];
  send(packet: Packet): void;
  /** Writes bytes as they are, for replies a conforming encoder refuses to produce. */
  sendRaw(bytes: Uint8Array): void;
  /** Drops the socket at once without any MQTT goodbye (unsent acknowledgements are lost too). */
  destroy(): void;
  /** Closes the socket without any MQTT goodbye after what was sent so far is flushed. */
  cut(): void;
  closed: Promise<void>;
}

export interface FakeBrokerOptions {
  /** CONNACK to answer a CONNECT with; default success, no session. Return undefined to answer yourself. */
  connack?: (connect: ConnectPacket, connection: FakeConnection) => Omit<ConnackPacket, 'type'> | undefined;
  /** Called for every packet after CONNECT. Default: acknowledge like a broker without routing. */
  onPacket?: (packet: Packet, connection: FakeConnection) => void;
}

/**
 * A scripted MQTT server on 127.0.0.1:0 built on @mq/codec: the tests decide exactly what it
 * acknowledges, when it cuts the connection, and they see every packet the client sent.
 */
export class FakeBroker {
  readonly connections: FakeConnection[] = [];
  options: FakeBrokerOptions;
  #server: Server;
  #sockets = new Set<Socket>();
  #waiters: Array<() => void> = [];

  private constructor(server: Server, options: FakeBrokerOptions) {
    this.#server = server;
    this.options = options;
  }

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const server = createServer();
    const broker = new FakeBroker(server, options);
    server.on('connection', (socket) => broker.#accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return broker;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Every packet of a type received on every connection, in order. */
  all<T extends Packet['type']>(type: T): Array<Extract<Packet, { type: T }>> {
    return this.connections.flatMap((c) =>
      c.received.filter((p): p is Extract<Packet, { type: T }> => p.type === type),
    );
  }

  /** Resolves when a packet arrives that makes `condition` true. */
  async until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('fake broker: timed out waiting');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    let version: ProtocolVersion = 4;
    const decoder = new PacketDecoder({ side: 'server' });
    let closedResolve: () => void = () => {};
    const connection: FakeConnection = {
      index: this.connections.length,
      connect: undefined,
      received: [],
      send: (packet) => {
        if (!socket.destroyed) socket.write(encodePacket(packet, version));
      },
      sendRaw: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      destroy: () => socket.destroy(),
      cut: () => {
        socket.end();
      },
      closed: new Promise((resolve) => {
        closedResolve = resolve;
      }),
    };
    this.connections.push(connection);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      closedResolve();
    });
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      try {
        decoder.push(chunk, (packet) => {
          connection.received.push(packet);
          if (packet.type === 'connect') {
            version = packet.protocolVersion;
            connection.connect = packet;
            const connack = (this.options.connack ?? (() => ({ sessionPresent: false, reasonCode: 0 })))(
              packet,
              connection,
            );
            if (connack) connection.send({ type: 'connack', ...connack });
          } else {
            (this.options.onPacket ?? defaultBehaviour)(packet, connection);
          }
          for (const waiter of this.#waiters.splice(0)) waiter();
        });
      } catch {
        socket.destroy();
      }
    });
  }
}

/** Acknowledges everything, routes nothing. */
export function defaultBehaviour(packet: Packet, connection: FakeConnection): void {
  switch (packet.type) {
    case 'publish':
      if (packet.qos === 1) connection.send({ type: 'puback', packetId: packet.packetId as number });
      if (packet.qos === 2) connection.send({ type: 'pubrec', packetId: packet.packetId as number });
      return;
    case 'pubrel':
      connection.send({ type: 'pubcomp', packetId: packet.packetId });
      return;
    case 'subscribe':
      connection.send({
        type: 'suback',
        packetId: packet.packetId,
        reasonCodes: packet.subscriptions.map((s) => s.qos),
      });
      return;
    case 'unsubscribe':
      connection.send({
        type: 'unsuback',
        packetId: packet.packetId,
        reasonCodes: connection.connect?.protocolVersion === 5 ? packet.topicFilters.map(() => 0) : [],
      });
      return;
    case 'pingreq':
      connection.send({ type: 'pingresp' });
      return;
    case 'disconnect':
      connection.destroy();
      return;
    default:
  }
}
