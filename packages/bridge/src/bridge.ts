import { EventEmitter } from 'node:events';
import type { Broker, Message as LocalMessage } from '@mq/broker';
import {
  ClientErrorCode,
  type ClientOptions,
  type ConnectionState,
  createClient,
  isMqttClientError,
  type MqttClient,
  type Message as RemoteMessage,
  type SubscriptionRequest,
} from '@mq/client';
import { toLocalMessage, toRemotePublish } from './convert.js';
import { EchoFilter } from './echo-filter.js';
import { BridgeError, BridgeErrorCode } from './errors.js';
import { type CompiledMapping, comesIn, goesOut, MappingMatcher, swapPrefix } from './mapping.js';
import { Notifier } from './notifications.js';
import { type BridgeOptions, type ResolvedBridgeOptions, resolveBridgeOptions } from './options.js';

/** Where the bridge is: one value, never a set of flags. */
export type BridgeState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopping' | 'stopped';

export interface BridgeEvents {
  state: [state: BridgeState, previous: BridgeState];
  /** The remote accepted a connection; `sessionPresent` says whether it kept the bridge's session. */
  connected: [info: { sessionPresent: boolean; reconnect: boolean }];
  /** A connection to the remote ended (the bridge reconnects unless it is stopping). */
  disconnected: [error: Error | undefined];
  /** The remote answered the `in` subscriptions (at the first connection, and after it lost the session). */
  subscribed: [results: SubscribedMapping[]];
  /** Problems with no promise to reject. Not thrown when nobody listens. */
  error: [error: BridgeError];
}

/** How the remote answered the subscription of one `in` mapping. */
export interface SubscribedMapping {
  mappingIndex: number;
  topicFilter: string;
  /** Granted QoS; undefined when refused. */
  qos: 0 | 1 | 2 | undefined;
  reasonCode: number;
}

/** Counters since start(). */
export interface BridgeStats {
  /** Local messages the remote acknowledged (QoS 1/2) or that were written (QoS 0). */
  forwardedOut: number;
  /** Remote messages handed to the local broker. */
  forwardedIn: number;
  /** Local messages that could not be forwarded (see the 'error' event). */
  failedOut: number;
  /** Local messages whose Message Expiry Interval ran out before they left. */
  expiredOut: number;
  /** MQTT 3.1.1: remote messages dropped as echoes of what the bridge forwarded. */
  echoesDropped: number;
  /** Remote messages matching no `in` mapping (for example from a subscription of an older configuration). */
  unmatchedIn: number;
}

/**
 * Bridges a local @mq/broker to a remote MQTT broker over one @mq/client session: `out` mappings
 * forward local messages, `in` mappings subscribe on the remote and inject into the local broker.
 */
export class Bridge extends EventEmitter<BridgeEvents> {
  readonly options: ResolvedBridgeOptions;
  readonly stats: BridgeStats = {
    forwardedOut: 0,
    forwardedIn: 0,
    failedOut: 0,
    expiredOut: 0,
    echoesDropped: 0,
    unmatchedIn: 0,
  };
  readonly #broker: Broker;
  /** `out`/`both` mappings by their local filter. */
  readonly #out: MappingMatcher;
  /** `in`/`both` mappings by their remote filter. */
  readonly #in: MappingMatcher;
  readonly #inMappings: CompiledMapping[];
  readonly #inById = new Map<number, CompiledMapping>();
  /** Messages this bridge injected locally: the broker reports them as publishes, they must not go back out. */
  readonly #injected = new WeakSet<LocalMessage>();
  readonly #echo: EchoFilter | undefined;
  readonly #notifier: Notifier | undefined;
  #client: MqttClient | undefined;
  #state: BridgeState = 'idle';
  #useIds = false;
  #lastError: Error | undefined;
  /** Topics published locally while the stored retained messages are being read. */
  #liveTopics: Set<string> | undefined;
  /** The latest round of `in` subscriptions. */
  #subscribing: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(broker: Broker, options: BridgeOptions) {
    super();
    if (typeof broker?.publishMessage !== 'function' || typeof broker.on !== 'function') {
      throw new TypeError('createBridge needs an @mq/broker instance as its first argument');
    }
    this.#broker = broker;
    this.options = resolveBridgeOptions(options);
    const mappings = this.options.mappings;
    this.#out = new MappingMatcher(mappings.filter(goesOut), 'local');
    this.#inMappings = mappings.filter(comesIn);
    this.#in = new MappingMatcher(this.#inMappings, 'remote');
    for (const m of this.#inMappings) this.#inById.set(m.subscriptionId, m);
    // Only 3.1.1 needs echo suppression, and only when forwarded topics can come back in.
    const echoes = this.options.protocolVersion === 4 && this.#out.size > 0 && this.#in.size > 0;
    this.#echo = echoes ? new EchoFilter(this.options.echoWindowMs) : undefined;
    const notify = this.options.raw.notifications;
    this.#notifier = notify
      ? new Notifier(broker, this.options.clientId, notify === true ? {} : notify, (m) =>
          this.#injected.add(m),
        )
      : undefined;
  }

  get state(): BridgeState {
    return this.#state;
  }

  /** Forwarded messages accepted but not yet acknowledged by the remote (queued + in flight). */
  get pendingCount(): number {
    const client = this.#client;
    return client ? client.queuedCount + client.inflightCount : 0;
  }

  /**
   * Starts forwarding at once (outgoing messages queue while the remote is unreachable) and resolves
   * when the first connection is up and every `in` subscription was answered. Refused subscriptions
   * are 'error' events, not rejections. Rejects if the bridge is stopped first. Idempotent.
   */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /**
   * Graceful stop: no new local messages are taken, queued and in-flight ones get up to `stopTimeout`
   * to be acknowledged (the rest stay in the store for the next run), then DISCONNECT. The remote
   * session stays (unless cleanStart), so `in` messages queue there meanwhile. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #start(): Promise<void> {
    if (this.#state !== 'idle') {
      throw new BridgeError(BridgeErrorCode.Stopped, 'a stopped bridge cannot start again: create a new one');
    }
    const client = createClient(this.options.url, this.#clientOptions());
    this.#client = client;
    this.#setState('connecting');
    client.on('state', (state, previous) => this.#onClientState(state, previous));
    client.on('connect', ({ sessionPresent, reconnect }) => {
      // The first connection always subscribes (the mappings may have changed since the session was
      // made); later ones only when the remote lost the session.
      if (!reconnect || !sessionPresent) this.#subscribing = this.#subscribeRound(client);
      this.#notifier?.connected(client);
      this.emit('connected', { sessionPresent, reconnect });
    });
    client.on('close', (error) => {
      this.#lastError = error;
    });
    client.on('error', (error) =>
      this.#report(
        new BridgeError(BridgeErrorCode.RemoteError, error.message, {
          cause: error,
          reasonCode: error.reasonCode,
        }),
      ),
    );
    // Attached before the first CONNACK: a resumed session may deliver right after it.
    client.on('message', (message) => this.#inject(message));
    client.on('end', () => this.#clientEnded());
    this.#broker.on('publish', this.#onLocalPublish);
    await this.#forwardRetained();
    try {
      await client.whenConnected();
      await this.#subscribing;
    } catch (cause) {
      if (this.#stopping || this.state === 'stopped') {
        throw new BridgeError(BridgeErrorCode.Stopped, 'the bridge stopped before it was up', { cause });
      }
      throw cause;
    }
  }

  #clientOptions(): ClientOptions {
    const o = this.options;
    const raw = o.raw;
    const options: ClientOptions = {
      protocolVersion: o.protocolVersion,
      clientId: o.clientId,
      cleanStart: o.cleanStart,
      maxQueued: o.maxQueued,
      endTimeout: o.stopTimeout,
      // The bridge restores its subscriptions itself, so it knows (and reports) when they are back.
      resubscribe: false,
      // A bridge never gives up on its remote unless told to.
      reconnect: { ...raw.reconnect },
    };
    if (o.protocolVersion === 5) options.sessionExpiryInterval = o.sessionExpiryInterval;
    if (raw.username !== undefined) options.username = raw.username;
    if (raw.password !== undefined) options.password = raw.password;
    if (raw.tls !== undefined) options.tls = raw.tls;
    if (raw.keepAlive !== undefined) options.keepAlive = raw.keepAlive;
    if (raw.connectTimeout !== undefined) options.connectTimeout = raw.connectTimeout;
    if (raw.maxInflight !== undefined) options.maxInflight = raw.maxInflight;
    if (raw.store !== undefined) options.store = raw.store;
    const will = this.#notifier?.will();
    if (will) options.will = will;
    return options;
  }

  /** Subscribes every `in` mapping; failures other than a close are reported, never thrown. */
  #subscribeRound(client: MqttClient): Promise<void> {
    const round = this.#subscribe(client);
    round.catch((error: unknown) => {
      if (isMqttClientError(error) && error.code === ClientErrorCode.ClientClosed) return;
      this.#report(
        new BridgeError(BridgeErrorCode.RemoteError, 'subscribing on the remote failed', { cause: error }),
      );
    });
    return round;
  }

  /** One SUBSCRIBE per `in` mapping, so each carries its own Subscription Identifier (v5). */
  async #subscribe(client: MqttClient): Promise<void> {
    const v5 = this.options.protocolVersion === 5;
    this.#useIds = v5 && client.serverProperties?.subscriptionIdentifiersAvailable !== false;
    const results = await Promise.all(
      this.#inMappings.map(async (mapping): Promise<SubscribedMapping> => {
        const request: SubscriptionRequest = { topicFilter: mapping.remoteFilter, qos: mapping.qos };
        if (v5) {
          // No Local: what the bridge forwards never comes back [MQTT-3.8.3-3]. Retain As Published
          // keeps RETAIN on live messages; Retain Handling 1 skips retained ones on a resumed subscription.
          request.noLocal = true;
          request.retainAsPublished = true;
          request.retainHandling = 1;
        }
        const subscribeOptions = this.#useIds
          ? { properties: { subscriptionIdentifier: mapping.subscriptionId } }
          : {};
        const outcome = { mappingIndex: mapping.index, topicFilter: mapping.remoteFilter };
        try {
          const [result] = await client.subscribe(request, subscribeOptions);
          const reasonCode = result?.reasonCode ?? 0x80;
          if (result?.qos === undefined) this.#subscribeRefused(mapping, reasonCode);
          return { ...outcome, qos: result?.qos, reasonCode };
        } catch (error) {
          if (isMqttClientError(error) && error.code === ClientErrorCode.SubscribeFailed) {
            const reasonCode = error.reasonCode ?? 0x80;
            this.#subscribeRefused(mapping, reasonCode, error);
            return { ...outcome, qos: undefined, reasonCode };
          }
          throw error;
        }
      }),
    );
    if (results.length > 0) this.emit('subscribed', results);
  }

  #subscribeRefused(mapping: CompiledMapping, reasonCode: number | undefined, cause?: unknown): void {
    const code = reasonCode === undefined ? 'unknown' : `0x${reasonCode.toString(16)}`;
    this.#report(
      new BridgeError(
        BridgeErrorCode.SubscribeRefused,
        `topics[${mapping.index}]: the remote refused the subscription '${mapping.remoteFilter}' (reason ${code})`,
        { mappingIndex: mapping.index, reasonCode, topic: mapping.remoteFilter, cause },
      ),
    );
  }

  /** Local broker 'publish': forward through the first matching `out` mapping. Never throws into the broker. */
  readonly #onLocalPublish = (message: LocalMessage): void => {
    if (this.#injected.has(message)) return;
    this.#liveTopics?.add(message.topic);
    this.#forward(message, undefined);
  };

  /** Publishes a local message to the remote through `only` (or the first matching `out` mapping). */
  #forward(message: LocalMessage, only: CompiledMapping | undefined): void {
    const client = this.#client;
    if (!client || this.#stopping) return;
    let mapping: CompiledMapping | undefined;
    let topic: string | undefined;
    try {
      mapping = this.#out.first(message.topic);
      if (!mapping || (only !== undefined && mapping !== only)) return;
      topic = swapPrefix(message.topic, mapping.localPrefix, mapping.remotePrefix);
      if (topic === undefined) return;
      const options = toRemotePublish(message, mapping.qos, this.options.protocolVersion, Date.now());
      if (!options) {
        this.stats.expiredOut++;
        return;
      }
      const done = client.publish(topic, message.payload, options);
      if (this.#echo && this.#in.first(topic)) this.#echo.expect(topic, message.payload, done);
      const failedMapping = mapping;
      const remoteTopic = topic;
      done.then(
        () => {
          this.stats.forwardedOut++;
        },
        (error: unknown) => this.#forwardFailed(error, failedMapping, remoteTopic),
      );
    } catch (error) {
      this.#forwardFailed(error, mapping, topic ?? message.topic);
    }
  }

  /**
   * Local retained messages stored before the bridge started go out once, as Mosquitto's bridge sends
   * them. Only `out` mappings: under `both` a local retained message may have come from the remote,
   * and an old copy must not overwrite a newer remote one. A topic published live meanwhile is skipped,
   * so a stale stored value never follows the fresh one.
   */
  async #forwardRetained(): Promise<void> {
    const outOnly = this.options.mappings.filter((m) => m.direction === 'out');
    if (!this.options.forwardRetained || outOnly.length === 0) return;
    const live = new Set<string>();
    this.#liveTopics = live;
    try {
      for (const mapping of outOnly) {
        const stored = await this.#broker.persistence.matchRetained(mapping.localFilter);
        for (const message of stored) {
          if (live.has(message.topic) || message.payload.length === 0) continue;
          this.#forward({ ...message, retain: true }, mapping);
        }
      }
    } catch (cause) {
      this.#report(
        new BridgeError(BridgeErrorCode.ForwardFailed, 'cannot read the local retained messages', { cause }),
      );
    } finally {
      this.#liveTopics = undefined;
    }
  }

  #forwardFailed(error: unknown, mapping: CompiledMapping | undefined, topic: string): void {
    // Cut off by stop(): a QoS 1/2 message stays in the store for the next run.
    if (isMqttClientError(error) && error.code === ClientErrorCode.ClientClosed) return;
    this.stats.failedOut++;
    const reason = isMqttClientError(error) ? `${error.code}: ${error.message}` : String(error);
    this.#report(
      new BridgeError(BridgeErrorCode.ForwardFailed, `cannot forward '${topic}' to the remote (${reason})`, {
        mappingIndex: mapping?.index,
        reasonCode: isMqttClientError(error) ? error.reasonCode : undefined,
        topic,
        cause: error,
      }),
    );
  }

  /** Remote message: inject it locally through the `in` mapping(s) that subscribed to it. */
  #inject(message: RemoteMessage): void {
    if (this.#echo?.consume(message.topic, message.payload)) {
      this.stats.echoesDropped++;
      return;
    }
    const mappings = this.#inboundMappings(message);
    if (mappings.length === 0) {
      this.stats.unmatchedIn++;
      return;
    }
    const done = new Set<string>();
    for (const mapping of mappings) {
      const topic = swapPrefix(message.topic, mapping.remotePrefix, mapping.localPrefix);
      if (topic === undefined || done.has(topic)) continue;
      done.add(topic);
      const local = toLocalMessage(message, topic, Date.now());
      this.#injected.add(local);
      try {
        this.#broker.publishMessage(local);
        this.stats.forwardedIn++;
      } catch (cause) {
        this.#report(
          new BridgeError(BridgeErrorCode.InjectFailed, `cannot publish '${topic}' on the local broker`, {
            mappingIndex: mapping.index,
            topic,
            cause,
          }),
        );
      }
    }
  }

  /**
   * v5: the mappings named by the Subscription Identifiers (a remote may send one copy per matching
   * subscription or one copy with all their ids; either way each mapping injects once). Otherwise, or
   * when the ids are not ours, the first mapping whose remote filter matches.
   */
  #inboundMappings(message: RemoteMessage): CompiledMapping[] {
    const ids = this.#useIds ? message.properties?.subscriptionIdentifiers : undefined;
    if (ids && ids.length > 0) {
      const picked: CompiledMapping[] = [];
      for (const id of ids) {
        const mapping = this.#inById.get(id);
        if (mapping && this.#in.matches(mapping, message.topic)) picked.push(mapping);
      }
      if (picked.length > 0) return picked;
    }
    const first = this.#in.first(message.topic);
    return first ? [first] : [];
  }

  #onClientState(state: ConnectionState, previous: ConnectionState): void {
    if (previous === 'connected') {
      this.#notifier?.disconnected();
      this.emit('disconnected', this.#lastError);
    }
    if (state === 'closed' || this.#stopping) return;
    this.#setState(state);
  }

  /** The client closed for good (stop(), or it gave up reconnecting): nothing more is forwarded. */
  #clientEnded(): void {
    this.#broker.off('publish', this.#onLocalPublish);
    this.#echo?.clear();
    if (!this.#stopping) this.#setState('stopped');
  }

  async #stop(): Promise<void> {
    this.#broker.off('publish', this.#onLocalPublish);
    const client = this.#client;
    if (client && this.#state !== 'stopped') {
      this.#setState('stopping');
      this.#notifier?.stopping(client);
      await client.end({ timeout: this.options.stopTimeout });
    }
    this.#echo?.clear();
    this.#setState('stopped');
  }

  #setState(state: BridgeState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.emit('state', state, previous);
  }

  #report(error: BridgeError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/** Creates a bridge for `broker`; nothing connects until `start()`. Throws BridgeConfigError on bad options. */
export function createBridge(broker: Broker, options: BridgeOptions): Bridge {
  return new Bridge(broker, options);
}
