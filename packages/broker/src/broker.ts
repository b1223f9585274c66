import { EventEmitter } from 'node:events';
import { ReasonCode } from '@mq/codec';
import { Admission, admissionRefusals } from './admission.js';
import type { AuthHooks, ClientInfo } from './auth.js';
import { Backpressure } from './backpressure.js';
import { LocalRouteBus, type RouteBus } from './cluster.js';
import { Connection, type DisconnectInfo } from './connection.js';
import type { BrokerContext } from './context.js';
import { growDescriptorTable } from './descriptor-table.js';
import { canRead } from './handlers/subscribe.js';
import { builtinListenerFactories } from './listeners/index.js';
import type {
  AcceptedTransport,
  Listener,
  ListenerAddress,
  ListenerConfig,
  ListenerFactories,
} from './listeners/types.js';
import { type Logger, silentLogger } from './logger.js';
import type { Message } from './message.js';
import { type BrokerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { guardWrites } from './persistence/guarded.js';
import { MemoryPersistence } from './persistence/memory.js';
import type { Persistence, StoredSubscription } from './persistence/types.js';
import { Router } from './router.js';
import { NEVER_EXPIRES, type QueueFlow, Session, type SessionDeps } from './session.js';
import { type BrokerStats, createStats } from './stats.js';
import { ConnectionSweeper } from './sweeper.js';
import { SysPublisher } from './sys.js';
import { isValidTopicName } from './topic.js';
import { WillManager } from './will.js';

/** Events a Broker emits, with their arguments. */
export interface BrokerEvents {
  /** A client completed CONNECT. */
  client: [client: ClientInfo, sessionPresent: boolean];
  /** A client's connection ended (after 'client'). */
  clientDisconnect: [client: ClientInfo, reason: DisconnectInfo];
  /** A message was accepted for routing; `client` is undefined for wills and $SYS. */
  publish: [message: Message, client: ClientInfo | undefined];
  subscribe: [subscriptions: StoredSubscription[], client: ClientInfo];
  unsubscribe: [topicFilters: string[], client: ClientInfo];
  /** A connection failed with a protocol error or a socket error. */
  clientError: [client: ClientInfo | undefined, error: Error];
}

type BrokerState = 'idle' | 'listening' | 'closing' | 'closed';

/** Longest delay setTimeout can wait. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An MQTT 3.1/3.1.1/5.0 broker. Create with createBroker(options), start with listen(), stop with
 * close() (graceful: v5 clients get DISCONNECT 0x8B).
 */
export class Broker extends EventEmitter<BrokerEvents> implements BrokerContext {
  readonly options: ResolvedOptions;
  readonly stats: BrokerStats = createStats();
  readonly logger: Logger;
  readonly persistence: Persistence;
  readonly auth: AuthHooks;
  readonly router: Router;
  readonly wills: WillManager;
  readonly sessions = new Map<string, Session>();
  readonly connections = new Map<string, Connection>();
  readonly #bus: RouteBus;
  readonly #factories: ListenerFactories;
  readonly #sys: SysPublisher;
  readonly #all = new Set<Connection>();
  /** CONNECT deadlines and keep alive for every connection in #all. */
  readonly #sweeper = new ConnectionSweeper(this.#all);
  readonly #admission: Admission;
  readonly #backpressure = new Backpressure<Session>();
  #deps: SessionDeps | undefined;
  /**
   * Holds a publisher back only if that cannot deadlock: not for its own session, and not while its own
   * session waits for acks it must read from the same socket.
   */
  readonly #flow: QueueFlow = {
    holdPublisher: (origin, session) => {
      const conn = origin === undefined ? undefined : this.connections.get(origin);
      if (conn === undefined || conn.state !== 'connected') return false;
      const own = conn.session;
      if (own === session || (own !== undefined && (own.inflightCount > 0 || own.queue.length > 0))) {
        return false;
      }
      if (!this.#backpressure.isHeld(conn)) this.stats.publisherHolds++;
      this.#backpressure.hold(conn, session);
      return true;
    },
    release: (session) => {
      if (this.#backpressure.isHolding(session)) this.#backpressure.releaseSession(session);
    },
    needsToRead: (session) => {
      const conn = this.connections.get(session.clientId);
      if (conn !== undefined && this.#backpressure.isHeld(conn)) this.#backpressure.releasePublisher(conn);
    },
  };
  #listeners: Listener[] = [];
  #addresses: ListenerAddress[] = [];
  #state: BrokerState = 'idle';
  #closing: Promise<void> | undefined;

  constructor(options: BrokerOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.logger = options.logger ?? silentLogger;
    this.persistence = guardWrites(options.persistence ?? new MemoryPersistence(), (err, operation) =>
      this.logger.error({ err, operation }, 'persistence write failed'),
    );
    this.auth = options.auth ?? {};
    this.#admission = new Admission(this.options.limits);
    this.#bus = options.routeBus ?? new LocalRouteBus();
    this.#factories = { ...builtinListenerFactories, ...options.listenerFactories };
    for (const l of this.options.listeners) {
      if (!this.#factories[l.type]) throw new TypeError(`unknown listener type '${l.type}'`);
    }
    this.router = new Router(
      this.sessions,
      this.#bus,
      this.persistence,
      this.options.limits.maxTopicLevels,
      (err, clientId) => this.logger.error({ err, clientId }, 'delivery failed'),
      (clientId, sub, topic) => {
        const hook = this.auth.authorizeDelivery;
        return hook === undefined || canRead(hook, clientId, sub, topic);
      },
    );
    // Another node took a client over: drop our connection to it, as a local takeover would.
    this.#bus.onSessionClaimed?.((clientId) => {
      const conn = this.connections.get(clientId);
      if (!conn) return;
      this.detach(conn);
      conn.disconnect(ReasonCode.SessionTakenOver, 'session taken over');
    });
    this.wills = new WillManager(this.persistence, (message) => this.publishMessage(message));
    this.#sys = new SysPublisher(
      {
        stats: this.stats,
        version: this.options.version,
        ...(this.options.sys.nodeId !== undefined && { nodeId: this.options.sys.nodeId }),
        sessionCount: () => this.sessions.size,
        subscriptionCount: () => this.router.index.size,
        retainedCount: () => this.persistence.countRetained(),
      },
      (message) => {
        // A maxTopicLevels below the depth of $SYS topics leaves those topics out instead of failing.
        if (isValidTopicName(message.topic, this.options.limits.maxTopicLevels)) this.router.publish(message);
      },
    );
  }

  /** Restores stored state, binds every listener and resolves with their addresses. */
  async listen(): Promise<ListenerAddress[]> {
    if (this.#state !== 'idle') throw new Error(`broker is ${this.#state}`);
    this.#state = 'listening';
    growDescriptorTable(this.options.reserveFileDescriptors);
    this.#sweeper.start();
    await this.#restore();
    try {
      for (const config of this.options.listeners) {
        const listener = this.#createListener(config);
        this.#listeners.push(listener);
        this.#addresses.push(await listener.listen());
      }
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.options.sys.enabled) this.#sys.start(this.options.sys.intervalMs);
    this.logger.info({ addresses: this.#addresses }, 'broker listening');
    return this.addresses();
  }

  /** Bound addresses, in listener order (the real port when the config said 0). */
  addresses(): ListenerAddress[] {
    return this.#addresses.map((a) => ({ ...a }));
  }

  /**
   * Stops listening, sends v5 clients DISCONNECT 0x8B (Server shutting down), closes every connection
   * and timer, then the persistence. Idempotent: every call gets the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Publishes a message from the application, as if a client had (no origin, so No Local never applies). */
  publishMessage(message: Message): void {
    this.router.publish(message);
    this.emitPublish(message, undefined);
  }

  /**
   * Disconnects a connected client (v5: DISCONNECT with the reason code, default 0x98 Administrative
   * action); its session is kept or ended as after any server-side close. False if it is not connected.
   */
  disconnectClient(clientId: string, reasonCode: number = ReasonCode.AdministrativeAction): boolean {
    const conn = this.connections.get(clientId);
    if (!conn) return false;
    conn.disconnect(reasonCode, 'disconnected by the server');
    return true;
  }

  /** Serves a byte stream from a custom transport as a client connection. */
  accept(transport: AcceptedTransport): void {
    if (this.#state !== 'listening') {
      transport.stream.destroy();
      return;
    }
    const conn = new Connection(transport, this);
    this.#all.add(conn);
    const refusal = this.#admission.admit(transport, this.#all.size);
    if (refusal !== undefined) admissionRefusals.set(conn, refusal);
  }

  // --- BrokerContext ----------------------------------------------------------------------------

  createSession(clientId: string, connection: Connection, expiryInterval: number): Session {
    const session = new Session(clientId, connection.protocolVersion, expiryInterval, this.#sessionDeps());
    this.sessions.set(clientId, session);
    return session;
  }

  endSession(session: Session): void {
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
    this.router.removeAll(session.clientId);
    session.clearMessages();
    session.target = undefined;
    this.#backpressure.releaseSession(session);
    void this.persistence.deleteSession(session.clientId);
    this.wills.sessionEnded(session.clientId);
  }

  detach(conn: Connection): void {
    if (!conn.registered || conn.detached) return;
    conn.detached = true;
    if (this.connections.get(conn.clientId) === conn) this.connections.delete(conn.clientId);
    this.stats.clientsConnected--;
    const session = conn.session;
    if (conn.will) {
      this.wills.schedule(conn.clientId, conn.will);
      conn.will = undefined;
    }
    this.#backpressure.releasePublisher(conn);
    if (!session || session.target !== conn) return;
    session.target = undefined;
    this.#backpressure.releaseSession(session);
    session.disconnectedAt = Date.now();
    if (this.#state === 'closing') {
      // Shutdown keeps sessions for a restart from persistence; no expiry timers.
      session.save();
      return;
    }
    if (session.expiryInterval === 0) {
      this.endSession(session);
      return;
    }
    session.save();
    if (session.expiryInterval !== NEVER_EXPIRES) this.#armExpiry(session, session.expiryInterval * 1000);
  }

  connectionClosed(conn: Connection): void {
    if (this.#all.delete(conn)) this.#admission.release(conn.transport);
    this.#backpressure.releasePublisher(conn);
    const wasRegistered = conn.registered && !conn.detached;
    this.detach(conn);
    if (conn.registered) {
      const info = conn.disconnectInfo ?? { by: 'network' as const, reasonCode: ReasonCode.UnspecifiedError };
      if (
        (wasRegistered || info.reasonCode === ReasonCode.SessionTakenOver) &&
        this.#observed('clientDisconnect')
      ) {
        const client = this.clientInfo(conn);
        this.logger.debug({ ...client, by: info.by, reasonCode: info.reasonCode }, 'client disconnected');
        this.#notify('clientDisconnect', client, info);
      }
    }
  }

  clientInfo(conn: Connection): ClientInfo {
    const info: ClientInfo = {
      clientId: conn.clientId,
      protocolVersion: conn.protocolVersion,
      listener: conn.transport.listener,
    };
    if (conn.username !== undefined) info.username = conn.username;
    if (conn.remoteAddress !== undefined) info.remoteAddress = conn.remoteAddress;
    return info;
  }

  emitConnected(conn: Connection, sessionPresent: boolean): void {
    this.#bus.claimSession?.(conn.clientId);
    if (!this.#observed('client')) return;
    const info = this.clientInfo(conn);
    this.logger.debug({ ...info, sessionPresent }, 'client connected');
    this.#notify('client', info, sessionPresent);
  }

  emitPublish(message: Message, conn: Connection | undefined): void {
    if (this.listenerCount('publish') > 0) this.#notify('publish', message, conn && this.clientInfo(conn));
  }

  emitSubscribe(conn: Connection, subscriptions: StoredSubscription[]): void {
    this.#notify('subscribe', subscriptions, this.clientInfo(conn));
  }

  emitUnsubscribe(conn: Connection, topicFilters: string[]): void {
    this.#notify('unsubscribe', topicFilters, this.clientInfo(conn));
  }

  emitClientError(conn: Connection, error: Error): void {
    this.logger.debug({ err: error, clientId: conn.clientId }, 'client error');
    this.#notify('clientError', conn.registered ? this.clientInfo(conn) : undefined, error);
  }

  // --- internals ---------------------------------------------------------------------------------

  /** Emits an event; a listener that throws is logged, so application code cannot break a connection. */
  /** Whether an event has listeners or its debug log line would be written: else skip building its payload. */
  #observed(event: keyof BrokerEvents): boolean {
    return this.listenerCount(event) > 0 || this.logger.isLevelEnabled?.('debug') !== false;
  }

  #notify<K extends keyof BrokerEvents>(event: K, ...args: BrokerEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: BrokerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error({ err, event }, 'event listener failed');
    }
  }

  #createListener(config: ListenerConfig): Listener {
    const factory = this.#factories[config.type]!;
    if (config.type !== 'ws' && config.type !== 'wss') return factory(config, (t) => this.accept(t));
    const max: unknown = config.maxMessageBytes;
    if (max !== undefined && !(typeof max === 'number' && Number.isInteger(max) && max > 0)) {
      throw new RangeError(`listener ${config.type}: maxMessageBytes must be a positive integer`);
    }
    // WebSocket messages are held whole before the decoder sees them: bound them by the packet size.
    const sized =
      max === undefined ? { ...config, maxMessageBytes: this.options.limits.maxPacketSize + 1024 } : config;
    return factory(sized, (transport) => this.accept(transport));
  }

  /** One deps object shared by every session (not one per session). */
  #sessionDeps(): SessionDeps {
    if (this.#deps === undefined) {
      const { limits } = this.options;
      this.#deps = {
        persistence: this.persistence,
        stats: this.stats,
        maxQueued: limits.maxQueuedMessages,
        queuePolicy: limits.queuePolicy,
        flow: this.#flow,
      };
    }
    return this.#deps;
  }

  #armExpiry(session: Session, ms: number): void {
    session.expiryTimer = setTimeout(
      () => {
        if (ms > MAX_TIMER_MS) this.#armExpiry(session, ms - MAX_TIMER_MS);
        else if (session.target === undefined) this.endSession(session);
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    session.expiryTimer.unref();
  }

  /** Rebuilds sessions, subscriptions, messages and wills from persistence. */
  async #restore(): Promise<void> {
    const now = Date.now();
    const expired: Session[] = [];
    for (const stored of await this.persistence.listSessions()) {
      const session = new Session(
        stored.clientId,
        stored.protocolVersion,
        stored.expiryInterval,
        this.#sessionDeps(),
      );
      session.restore(
        await this.persistence.listOutgoing(stored.clientId),
        await this.persistence.listIncomingQos2(stored.clientId),
      );
      session.disconnectedAt = stored.disconnectedAt ?? now;
      session.owner = stored.owner;
      this.sessions.set(stored.clientId, session);
      for (const sub of stored.subscriptions) {
        session.subscriptions.set(sub.topicFilter, sub);
        this.router.subscribe(stored.clientId, sub);
      }
      if (stored.expiryInterval !== NEVER_EXPIRES) {
        const left = session.disconnectedAt + stored.expiryInterval * 1000 - now;
        if (left <= 0) expired.push(session);
        else this.#armExpiry(session, left);
      }
    }
    const wills = await this.persistence.listWills();
    this.wills.restore(wills);
    // A will waits for its delay or the end of its session, whichever comes first [MQTT-3.1.3-9]. Sessions
    // that expired while the broker was down, or that were never stored (expiry 0), have ended: their
    // wills go out now, once every subscriber is back, not later at a client that may be connected again.
    for (const session of expired) this.endSession(session);
    for (const will of wills) if (!this.sessions.has(will.clientId)) this.wills.sessionEnded(will.clientId);
  }

  async #close(): Promise<void> {
    const wasListening = this.#state === 'listening';
    this.#state = 'closing';
    this.#sys.stop();
    this.#sweeper.stop();
    // Stop accepting first; a server's close() settles only once its sockets are gone.
    const listenersClosed = Promise.all(this.#listeners.map((l) => l.close().catch(() => {})));
    if (wasListening) {
      const closing: Promise<void>[] = [];
      for (const conn of this.#all) {
        conn.disconnect(ReasonCode.ServerShuttingDown, 'server shutting down');
        closing.push(conn.closed());
      }
      await Promise.all(closing);
    }
    await listenersClosed;
    for (const session of this.sessions.values()) {
      if (session.expiryTimer) clearTimeout(session.expiryTimer);
      session.expiryTimer = undefined;
    }
    this.wills.close();
    await this.#bus.close();
    await this.persistence.close();
    this.#state = 'closed';
    if (wasListening) this.logger.info({}, 'broker closed');
  }
}

/** Creates a broker; call listen() to start it. */
export function createBroker(options: BrokerOptions = {}): Broker {
  return new Broker(options);
}
