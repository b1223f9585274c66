import type {
  ConnackPacket,
  ConnackProperties,
  Packet,
  QoS,
  SubackPacket,
  UnsubackPacket,
  UnsubscribeProperties,
} from '@mq/codec';
import { ReasonCode } from '@mq/codec';
import { backoffDelay } from './backoff.js';
import type {
  ClientEvents,
  ConnectionState,
  EndOptions,
  PublishOptions,
  SubscribeOptions,
  SubscribeResult,
  SubscriptionRequest,
} from './client-types.js';
import { Connection } from './connection.js';
import { TypedEmitter } from './emitter.js';
import { ClientErrorCode, MqttClientError } from './errors.js';
import { IncomingFlows } from './incoming.js';
import type { Message } from './message.js';
import { MessageStream } from './message-stream.js';
import {
  buildConnect,
  type ClientOptions,
  type ResolvedOptions,
  resolveOptions,
  toBytes,
} from './options.js';
import { OutgoingFlows, type PublishResult } from './outgoing.js';

import { PacketIdAllocator } from './packet-id.js';
import { ReAuthentication } from './reauth.js';
import { MemoryStore } from './store/memory.js';
import type { MessageStore } from './store/types.js';
import { SubscriptionRegistry } from './subscriptions.js';
import { IncomingAliases, OutgoingAliases } from './topic-alias.js';
import { topicMatches } from './topic-match.js';
import type { TransportFactory } from './transports/types.js';
import { toSubscriptions, validateQoS, validateTopic } from './validate.js';

interface PendingRequest {
  packetId: number;
  build(packetId: number): Packet;
  settle(ack: SubackPacket | UnsubackPacket): void;
  reject(error: MqttClientError): void;
}

interface Internals {
  /** Close the client if the very first connection fails (what `connect()` wants). */
  failFast: boolean;
}

/**
 * An MQTT client session: survives connections (reconnecting with backoff), keeps outgoing QoS 1/2
 * messages in its store until acknowledged, and restores subscriptions when the server lost the session.
 */
export class MqttClient extends TypedEmitter<ClientEvents> {
  #state: ConnectionState = 'connecting';
  #url: URL;
  #opts: ResolvedOptions;
  #transport: TransportFactory;
  #internals: Internals;
  #store: MessageStore;
  #ids = new PacketIdAllocator();
  #outgoing: OutgoingFlows;
  #incoming: IncomingFlows;
  #subscriptions = new SubscriptionRegistry();
  #requests = new Map<number, PendingRequest>();
  #streams = new Set<{ filter: string | undefined; stream: MessageStream<Message> }>();
  #connection: Connection | undefined;
  #incomingAliases = new IncomingAliases(0);
  #clientId: string;
  #everConnected = false;
  #cleanStartSent = true;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #ready: Promise<void>;
  /** The store has been loaded (publishes need not wait for it any more). */
  #loaded = false;
  #ending = false;
  #endPromise: Promise<void> | undefined;
  #closeError: MqttClientError | undefined;
  #connectedWaiters: Array<{ resolve: () => void; reject: (e: MqttClientError) => void }> = [];
  #server: ConnackProperties | undefined;
  #reauth: ReAuthentication;

  constructor(
    url: string | URL,
    options: ClientOptions,
    transport: TransportFactory,
    internals: Internals = { failFast: false },
  ) {
    super();
    this.#url = typeof url === 'string' ? new URL(url) : url;
    this.#opts = resolveOptions(options);
    this.#transport = transport;
    this.#internals = internals;
    this.#clientId = this.#opts.clientId;
    this.#store = options.store ?? new MemoryStore();
    this.#outgoing = new OutgoingFlows(this.#store, this.#ids, {
      onPublished: (result) => this.emit('published', result),
      onError: (error) => this.emit('error', error),
    });
    this.#incoming = new IncomingFlows(this.#opts.manualAck, this.#store, (error) =>
      this.emit('error', error),
    );
    this.#reauth = new ReAuthentication(options.authenticationMethod, options.onAuth);
    const outgoing = this.#outgoing;
    const incoming = this.#incoming;
    this.#ready = (async () => {
      await outgoing.restore();
      await incoming.restore();
    })().catch((cause: unknown) => {
      throw new MqttClientError(ClientErrorCode.StoreError, 'cannot load the message store', { cause });
    });
    this.#ready.then(
      () => {
        this.#loaded = true;
        return this.#open();
      },
      (error: MqttClientError) => this.#finalize(error),
    );
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The client id in use (the server-assigned one after an MQTT 5 connect with clientId ''). */
  get clientId(): string {
    return this.#clientId;
  }

  /** CONNACK properties of the current (or last) connection. */
  get serverProperties(): ConnackProperties | undefined {
    return this.#server;
  }

  /** Accepted messages not yet sent. */
  get queuedCount(): number {
    return this.#outgoing.queued;
  }

  /** Sent QoS 1/2 messages awaiting acknowledgement. */
  get inflightCount(): number {
    return this.#outgoing.inflight;
  }

  /** Highest number of QoS 1/2 publishes in flight at once on the current connection. */
  get peakInflight(): number {
    return this.#outgoing.peakInflight;
  }

  /** Resolves when the client is connected; rejects if it closes first. */
  whenConnected(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => this.#connectedWaiters.push({ resolve, reject }));
  }

  /**
   * Accepts a message: resolves once it is stored (for QoS 1/2 that means it survives a crash with a
   * durable store) with `done`, which settles when the flow completes (PUBACK / PUBCOMP).
   */
  async enqueue(
    topic: string,
    payload: string | Uint8Array,
    options: PublishOptions = {},
  ): Promise<{ done: Promise<PublishResult> }> {
    validateTopic(topic);
    const qos = options.qos ?? 0;
    validateQoS(qos);
    this.#checkOpen();
    if (!this.#loaded) {
      await this.#ready;
      // Called before end(): still accepted unless the client closed meanwhile.
      if (this.#state === 'closed') throw this.#closedError();
    }
    if (this.#outgoing.queued >= this.#opts.maxQueued) {
      throw new MqttClientError(
        ClientErrorCode.QueueFull,
        `${this.#outgoing.queued} messages are already waiting to be sent (maxQueued ${this.#opts.maxQueued})`,
      );
    }
    let settle: { resolve(r: PublishResult): void; reject(e: MqttClientError): void } | undefined;
    const done = new Promise<PublishResult>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // The caller may only await the outer promise; an unobserved rejection must not crash the process.
    done.catch(() => {});
    await this.#outgoing.accept(
      topic,
      toBytes(payload),
      qos,
      options.retain ?? false,
      options.properties,
      settle as NonNullable<typeof settle>,
    );
    return { done };
  }

  /** Publishes and resolves when the flow completes; rejects with an MqttClientError carrying the reason code. */
  async publish(
    topic: string,
    payload: string | Uint8Array,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const { done } = await this.enqueue(topic, payload, options);
    return done;
  }

  /**
   * Subscribes; waits for a connection if there is none yet. Resolves with one result per filter,
   * rejects with SUBSCRIBE_FAILED only when the server refused every filter.
   */
  async subscribe(
    filters: string | SubscriptionRequest | Array<string | SubscriptionRequest>,
    options: SubscribeOptions = {},
  ): Promise<SubscribeResult[]> {
    const list = toSubscriptions(filters, options.qos ?? 0);
    if (list.length === 0) throw new TypeError('subscribe needs at least one topic filter');
    this.#checkOpen();
    const early = options.handler
      ? this.#subscriptions.pending(
          list.map((s) => s.topicFilter),
          options.handler,
        )
      : undefined;
    let ack: SubackPacket;
    try {
      ack = (await this.#request((packetId) => {
        const packet: Packet = { type: 'subscribe', packetId, subscriptions: list };
        if (options.properties && this.#opts.protocolVersion === 5) packet.properties = options.properties;
        return packet;
      })) as SubackPacket;
    } finally {
      early?.settle();
    }
    const results = list.map((subscription, i): SubscribeResult => {
      const reasonCode = ack.reasonCodes[i] ?? ReasonCode.UnspecifiedError;
      const granted = reasonCode < 0x80 ? (Math.min(reasonCode, 2) as QoS) : undefined;
      if (granted !== undefined) {
        this.#subscriptions.granted(subscription, granted, options.properties, options.handler);
      }
      return { topicFilter: subscription.topicFilter, reasonCode, qos: granted };
    });
    if (results.every((r) => r.qos === undefined)) {
      const reasonCode = results[0]?.reasonCode;
      throw new MqttClientError(
        ClientErrorCode.SubscribeFailed,
        `server refused every filter (${results.map((r) => `${r.topicFilter}: 0x${r.reasonCode.toString(16)}`).join(', ')})`,
        { reasonCode, reasonString: ack.properties?.reasonString },
      );
    }
    return results;
  }

  /** Unsubscribes; resolves with the UNSUBACK reason codes (empty before MQTT 5). */
  async unsubscribe(filters: string | string[], properties?: UnsubscribeProperties): Promise<number[]> {
    const topicFilters = Array.isArray(filters) ? filters : [filters];
    if (topicFilters.length === 0) throw new TypeError('unsubscribe needs at least one topic filter');
    this.#checkOpen();
    const ack = (await this.#request((packetId) => {
      const packet: Packet = { type: 'unsubscribe', packetId, topicFilters };
      if (properties && this.#opts.protocolVersion === 5) packet.properties = properties;
      return packet;
    })) as UnsubackPacket;
    for (const filter of topicFilters) this.#subscriptions.removed(filter);
    return ack.reasonCodes;
  }

  /**
   * MQTT 5 re-authentication on the live connection with the method used to connect: sends AUTH
   * (0x19) with `authenticationData`, answers challenges through `onAuth`, resolves on the server's
   * AUTH success. A server that refuses disconnects, which rejects this.
   */
  reauthenticate(authenticationData?: Uint8Array): Promise<void> {
    const connection = this.#connection;
    if (this.#opts.protocolVersion !== 5) {
      return Promise.reject(new TypeError('re-authentication needs MQTT 5'));
    }
    if (this.#state !== 'connected' || !connection) {
      return Promise.reject(new MqttClientError(ClientErrorCode.NotConnected, 'not connected'));
    }
    return this.#reauth.start((packet) => connection.send(packet), authenticationData);
  }

  /**
   * Received messages as an async iterator, optionally only those matching `filter` (this does not
   * subscribe). Iteration ends when the client ends; `break` unregisters it.
   */
  messages(filter?: string): AsyncIterableIterator<Message> {
    const entry = {
      filter,
      stream: new MessageStream<Message>(() => {
        this.#streams.delete(entry);
      }),
    };
    if (this.#state === 'closed') entry.stream.close();
    else this.#streams.add(entry);
    return entry.stream;
  }

  /**
   * Graceful close: stops accepting publishes, waits (up to `endTimeout`) for queued and in-flight
   * messages and requests, sends DISCONNECT and releases every socket and timer. Idempotent.
   * Messages still unacknowledged reject with CLIENT_CLOSED but stay in the store.
   */
  end(options: EndOptions = {}): Promise<void> {
    if (this.#endPromise) return this.#endPromise;
    this.#ending = true;
    this.#endPromise = (async () => {
      if (!options.force && this.#state !== 'closed') {
        await this.#ready.catch(() => {});
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.all([this.#outgoing.whenIdle(), this.#requestsSettled()]),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, options.timeout ?? this.#opts.endTimeout);
          }),
        ]);
        clearTimeout(timer);
      }
      await this.#finalize(
        new MqttClientError(
          ClientErrorCode.ClientClosed,
          'the client ended before this completed (an accepted message stays in the store)',
        ),
      );
    })();
    return this.#endPromise;
  }

  // ---- connection lifecycle ----

  async #open(): Promise<void> {
    if (this.#state === 'closed') return;
    const opts = this.#opts;
    const raw = opts.raw;
    const connection: Connection = new Connection({
      transport: this.#transport,
      url: this.#url,
      transportOptions: {
        ...(raw.tls ? { tls: raw.tls } : {}),
        ...(raw.wsProtocol ? { wsProtocol: raw.wsProtocol } : {}),
        ...(raw.wsHeaders ? { wsHeaders: raw.wsHeaders } : {}),
      },
      protocolVersion: opts.protocolVersion,
      maximumPacketSize: raw.maximumPacketSize,
      connectTimeout: opts.connectTimeout,
      onAuth: raw.onAuth,
      onConnack: (connack) => this.#onConnack(connection, connack),
      onPacket: (packet) => this.#onPacket(connection, packet),
      onClose: (error) => this.#onClose(connection, error),
    });
    this.#connection = connection;
    const resume = this.#everConnected && opts.protocolVersion === 5 && opts.sessionExpiryInterval > 0;
    this.#cleanStartSent = opts.cleanStart && !resume;
    try {
      await connection.start(buildConnect(opts, this.#clientId, this.#cleanStartSent));
    } catch (error) {
      if (this.#connection !== connection) return;
      this.#connection = undefined;
      const failure = error as MqttClientError;
      if (this.#internals.failFast && !this.#everConnected) {
        await this.#finalize(failure);
        return;
      }
      this.emit('error', failure);
      this.#scheduleReconnect(failure);
    }
  }

  #onConnack(connection: Connection, connack: ConnackPacket): void {
    const opts = this.#opts;
    const v5 = opts.protocolVersion === 5;
    if (v5 && connack.sessionPresent && this.#cleanStartSent) {
      // [MQTT-3.2.2-4] we asked for a clean start, so a session the server claims to have is not ours.
      connection.protocolViolation('Session Present with Clean Start');
      return;
    }
    const properties = connack.properties;
    const reconnect = this.#everConnected;
    this.#everConnected = true;
    this.#attempt = 0;
    this.#server = properties;
    if (v5 && properties?.assignedClientIdentifier) this.#clientId = properties.assignedClientIdentifier;
    const keepAlive =
      v5 && properties?.serverKeepAlive !== undefined ? properties.serverKeepAlive : opts.keepAlive;
    connection.startKeepalive(
      keepAlive,
      opts.raw.pingTimeout ?? Math.max(1000, Math.min((keepAlive * 1000) / 2, 30_000)),
    );
    this.#incomingAliases = new IncomingAliases(v5 ? opts.topicAliasMaximum : 0);
    const aliasMax = v5 && opts.autoTopicAlias ? (properties?.topicAliasMaximum ?? 0) : 0;
    const link = {
      protocolVersion: opts.protocolVersion,
      send: (packet: Packet) => connection.send(packet),
      window: Math.min(opts.maxInflight, (v5 ? properties?.receiveMaximum : undefined) ?? 65535),
      maximumPacketSize: (v5 ? properties?.maximumPacketSize : undefined) ?? Number.POSITIVE_INFINITY,
      aliases: aliasMax > 0 ? new OutgoingAliases(aliasMax) : undefined,
      maximumQoS: ((v5 ? properties?.maximumQoS : undefined) ?? 2) as QoS,
      retainAvailable: (v5 ? properties?.retainAvailable : undefined) ?? true,
    };

    this.#setState('connected');
    // MQTT 3.1 CONNACK has no Session Present flag: the session is there unless we asked for a clean one.
    const sessionPresent = opts.protocolVersion === 3 ? !this.#cleanStartSent : connack.sessionPresent;
    this.#incoming.connected(link, sessionPresent);
    // Requests cut off by the last connection (or made while offline) go first, then restored ones.
    for (const request of this.#requests.values()) connection.send(request.build(request.packetId));
    if (!sessionPresent && opts.resubscribe) this.#restoreSubscriptions();
    this.#outgoing.connected(link, sessionPresent);
    this.emit('connect', { sessionPresent, reasonCode: connack.reasonCode, properties, reconnect });
    for (const waiter of this.#connectedWaiters.splice(0)) waiter.resolve();
  }

  #onPacket(connection: Connection, packet: Packet): void {
    switch (packet.type) {
      case 'publish': {
        const topic = this.#incomingAliases.resolve(packet.topic, packet.properties?.topicAlias);
        if (topic === undefined) {
          connection.protocolViolation('PUBLISH with an unknown topic alias', ReasonCode.TopicAliasInvalid);
          return;
        }
        this.#incoming.onPublish(packet, topic, (message) => this.#deliver(message));
        return;
      }
      case 'puback':
        this.#outgoing.onPuback(
          packet.packetId,
          packet.reasonCode ?? 0,
          packet.properties?.reasonString,
          packet.properties?.userProperties,
        );
        return;
      case 'pubrec':
        this.#outgoing.onPubrec(
          packet.packetId,
          packet.reasonCode ?? 0,
          packet.properties?.reasonString,
          packet.properties?.userProperties,
        );
        return;
      case 'pubcomp':
        this.#outgoing.onPubcomp(
          packet.packetId,
          packet.reasonCode ?? 0,
          packet.properties?.reasonString,
          packet.properties?.userProperties,
        );
        return;
      case 'pubrel':
        this.#incoming.onPubrel(packet.packetId);
        return;
      case 'suback':
      case 'unsuback': {
        const request = this.#requests.get(packet.packetId);
        if (!request) return;
        this.#requests.delete(packet.packetId);
        this.#ids.release(packet.packetId);
        request.settle(packet);
        this.#checkRequestsSettled();
        return;
      }
      case 'disconnect': {
        const reasonCode = packet.reasonCode ?? 0;
        const reasonString = packet.properties?.reasonString;
        this.emit('disconnect', { reasonCode, reasonString, properties: packet.properties });
        connection.destroy(
          new MqttClientError(
            ClientErrorCode.ServerDisconnect,
            `server disconnected: reason 0x${reasonCode.toString(16)}${reasonString ? ` (${reasonString})` : ''}`,
            { reasonCode, reasonString },
          ),
        );
        return;
      }
      case 'auth':
        // After CONNACK an AUTH only belongs to a re-authentication the client started.
        if (!this.#reauth.receive(packet, (p) => connection.send(p))) {
          connection.protocolViolation('unexpected AUTH after CONNACK');
        }
        return;
      default:
        connection.protocolViolation(`a server must not send ${packet.type}`);
    }
  }

  #onClose(connection: Connection, error: MqttClientError | undefined): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#outgoing.disconnected();
    this.#incoming.disconnected();
    this.#reauth.fail(error ?? new MqttClientError(ClientErrorCode.ConnectionLost, 'connection lost'));
    this.emit('close', error);
    if (this.#state === 'closed') return;
    if (this.#opts.reconnect === false) {
      void this.#finalize(error ?? new MqttClientError(ClientErrorCode.ConnectionLost, 'connection lost'));
      return;
    }
    this.#scheduleReconnect(error);
  }

  #scheduleReconnect(error: MqttClientError | undefined): void {
    const policy = this.#opts.reconnect;
    if (this.#state === 'closed') return;
    if (policy === false || this.#attempt >= policy.maxAttempts) {
      void this.#finalize(error ?? new MqttClientError(ClientErrorCode.ConnectionLost, 'connection lost'));
      return;
    }
    this.#setState('reconnecting');
    const delay = backoffDelay(this.#attempt, policy);
    this.#attempt += 1;
    this.emit('reconnecting', { attempt: this.#attempt, delay, error });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#open();
    }, delay);
  }

  /** Closes everything for good; every waiter settles. */
  async #finalize(error: MqttClientError): Promise<void> {
    if (this.#state === 'closed') return;
    this.#closeError = error;
    this.#setState('closed');
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#outgoing.disconnected();
    this.#incoming.disconnected();
    this.#outgoing.failAll(error);
    this.#reauth.fail(error);
    for (const request of this.#requests.values()) {
      this.#ids.release(request.packetId);
      request.reject(error);
    }
    this.#requests.clear();
    this.#checkRequestsSettled();
    for (const { stream } of [...this.#streams]) stream.close();
    for (const waiter of this.#connectedWaiters.splice(0)) waiter.reject(error);
    if (connection) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        connection.disconnect(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.#store.close().catch((cause: unknown) => {
      this.emit(
        'error',
        new MqttClientError(ClientErrorCode.StoreError, 'cannot close the store', { cause }),
      );
    });
    this.emit('end');
  }

  // ---- helpers ----

  #setState(state: ConnectionState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.emit('state', state, previous);
  }

  #checkOpen(): void {
    if (this.#ending || this.#state === 'closed') throw this.#closedError();
  }

  #closedError(): MqttClientError {
    return this.#closeError ?? new MqttClientError(ClientErrorCode.ClientClosed, 'the client has been ended');
  }

  /** Sends a SUBSCRIBE/UNSUBSCRIBE now or on the next connection, and resolves with its ack. */
  #request(build: (packetId: number) => Packet): Promise<SubackPacket | UnsubackPacket> {
    return new Promise((resolve, reject) => {
      const packetId = this.#ids.allocate();
      this.#requests.set(packetId, { packetId, build, settle: resolve, reject });
      if (this.#state === 'connected') this.#connection?.send(build(packetId));
    });
  }

  #requestWaiters: Array<() => void> = [];

  #requestsSettled(): Promise<void> {
    if (this.#requests.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#requestWaiters.push(resolve));
  }

  #checkRequestsSettled(): void {
    if (this.#requests.size > 0) return;
    for (const waiter of this.#requestWaiters.splice(0)) waiter();
  }

  #restoreSubscriptions(): void {
    for (const { subscription, properties } of this.#subscriptions.all()) {
      this.#request((packetId) => {
        const packet: Packet = { type: 'subscribe', packetId, subscriptions: [subscription] };
        if (properties && this.#opts.protocolVersion === 5) packet.properties = properties;
        return packet;
      }).then(
        (ack) => {
          const code = ack.reasonCodes[0] ?? ReasonCode.UnspecifiedError;
          if (code < 0x80) return;
          this.#subscriptions.removed(subscription.topicFilter);
          this.emit(
            'error',
            new MqttClientError(
              ClientErrorCode.SubscribeFailed,
              `server refused to restore the subscription ${subscription.topicFilter}`,
              { reasonCode: code },
            ),
          );
        },
        () => {},
      );
    }
  }

  #deliver(message: Message): void {
    this.emit('message', message);
    this.#subscriptions.dispatch(message);
    for (const { filter, stream } of this.#streams) {
      if (filter === undefined || topicMatches(filter, message.topic)) stream.push(message);
    }
  }
}
