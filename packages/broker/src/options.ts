import type { AuthHooks } from './auth.js';
import type { RouteBus } from './cluster.js';
import type { ListenerConfig, ListenerFactories } from './listeners/types.js';
import type { Logger } from './logger.js';
import type { Persistence } from './persistence/types.js';

/**
 * What to do when a session's queue of undelivered QoS 1/2 messages is full. 'backpressure' (for a
 * connected subscriber) stops reading from the publishers feeding it until the queue drains, so no
 * acknowledged message is lost; a disconnected session's queue then drops its oldest message.
 */
export type QueuePolicy = 'backpressure' | 'drop-oldest' | 'drop-new';
const QUEUE_POLICIES: readonly string[] = ['backpressure', 'drop-oldest', 'drop-new'] as const;

export interface BrokerLimits {
  /** Largest packet the broker accepts, in bytes (announced in v5 CONNACK). Default 1 MiB. */
  maxPacketSize: number;
  /**
   * Inbound QoS 1/2 publishes a v5 client may have unacknowledged (announced as Receive Maximum; a client
   * exceeding it gets DISCONNECT 0x93). Default 65535: MQTT.js 5 ignores the server's value and sends
   * bursts of QoS 2, so a lower default would disconnect it. Lower it to bound inbound QoS 2 state.
   */
  receiveMaximum: number;
  /** Topic aliases a v5 client may use towards the broker. Default 16; 0 disables. */
  topicAliasMaximum: number;
  /** Outbound topic aliases the broker assigns when the client allows them. Default 16; 0 disables. */
  outboundTopicAliases: number;
  /** Largest keep alive (seconds) the broker accepts; a larger one (or 0) is replaced via Server Keep Alive. Default 0 (no cap). */
  maxKeepAlive: number;
  /** Undelivered QoS 1/2 messages kept per session. Default 1000. */
  maxQueuedMessages: number;
  /** Policy when the queue is full. Default 'backpressure' (online; offline queues drop the oldest). */
  queuePolicy: QueuePolicy;
  /** Outbound QoS 1/2 messages in flight per client (further capped by the client's Receive Maximum). Default 100. */
  maxInflight: number;
  /** How long a socket may stay open without sending CONNECT. Default 10000 ms. */
  connectTimeoutMs: number;
  /** Subscriptions one client may hold. Default 1000. */
  maxSubscriptionsPerClient: number;
  /** Levels a topic name or filter may have. Default 128. */
  maxTopicLevels: number;
  /**
   * Bytes buffered on a client socket above which QoS 1/2 deliveries wait in the queue and QoS 0 ones are
   * dropped, unless queuePolicy 'backpressure' can hold their publisher back instead. Default 1 MiB.
   */
  socketHighWaterMark: number;
  /** Inbound packets buffered per connection before the socket is paused. Default 1000. */
  maxPendingPackets: number;
  /** Refuse (0x99) v5 PUBLISHes whose Payload Format Indicator says UTF-8 but whose payload is not. Default true. */
  checkPayloadFormat: boolean;
  /** Open connections in total; more are refused at CONNECT with 0x97 Quota exceeded (3.1.1: code 3). Default 0 (no cap). */
  maxConnections: number;
  /** Open connections from one IP address; more are refused like maxConnections. Default 0 (no cap). */
  maxConnectionsPerIp: number;
  /** New connections one IP address may open per connectRateIntervalMs; more get 0x9F Connection rate exceeded (3.1.1: code 3). Default 0 (no cap). */
  connectRatePerIp: number;
  /** Window of connectRatePerIp. Default 1000 ms. */
  connectRateIntervalMs: number;
  /** PUBLISH packets one client may send per publishRateIntervalMs; more: DISCONNECT 0x96 Message rate too high (3.1.1: closed). Default 0 (no cap). */
  maxPublishRate: number;
  /** Window of maxPublishRate. Default 1000 ms. */
  publishRateIntervalMs: number;
}

export interface SysOptions {
  /** Publish $SYS/broker/... topics. Default true. */
  enabled: boolean;
  /** Interval between updates. Default 10000 ms. */
  intervalMs: number;
  /**
   * This node's name in a cluster: its topics become $SYS/brokers/<nodeId>/... (EMQX style) instead of
   * $SYS/broker/..., which every node would overwrite. One topic level: no '/', '+' or '#'.
   */
  nodeId?: string;
}

export interface BrokerOptions {
  /** Where to listen. Default: one TCP listener on 127.0.0.1:1883. */
  listeners?: ListenerConfig[];
  /** Extra listener types by name (e.g. 'tls', 'wss'), merged over the built-in 'tcp' and 'ws'. */
  listenerFactories?: ListenerFactories;
  /** Storage for sessions, subscriptions, messages, retained and wills. Default in-memory. */
  persistence?: Persistence;
  /** Authentication and authorization hooks. Default: allow everything. */
  auth?: AuthHooks;
  /** Route bus between broker nodes. Default: local, in-process. */
  routeBus?: RouteBus;
  limits?: Partial<BrokerLimits>;
  /** Cap on the v5 Session Expiry Interval a client may request, in seconds. Default 86400 (1 day). */
  sessionExpiryMaxSeconds?: number;
  /**
   * Linux: at listen(), grow the process's file-descriptor table to this many entries (capped by the soft
   * RLIMIT_NOFILE less 1024), so that accepting connections never waits for the kernel to resize it: in
   * a multi-threaded process every doubling of the table stalls the event loop for 5-25 ms. Costs about
   * 10 ms per 1,000 descriptors once per process at start-up. Default 16384; 0 turns it off.
   */
  reserveFileDescriptors?: number;
  sys?: Partial<SysOptions>;
  /**
   * Response Information for v5 clients that ask for it (Request Response Information 1), e.g.
   * `(clientId) => \`reply/${clientId}\``. Default: none is sent.
   */
  responseInformation?: (clientId: string) => string | undefined;
  /** Text published on $SYS/broker/version. Default '@mq/broker <version>'. */
  version?: string;
  /** Minimal pino-compatible logger. Default: silent. */
  logger?: Logger;
}

export interface ResolvedOptions {
  listeners: ListenerConfig[];
  responseInformation: ((clientId: string) => string | undefined) | undefined;
  limits: BrokerLimits;
  sessionExpiryMaxSeconds: number;
  reserveFileDescriptors: number;
  sys: SysOptions;
  version: string;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketSize: 1024 * 1024,
  receiveMaximum: 65535,
  topicAliasMaximum: 16,
  outboundTopicAliases: 16,
  maxKeepAlive: 0,
  maxQueuedMessages: 1000,
  queuePolicy: 'backpressure',
  maxInflight: 100,
  connectTimeoutMs: 10_000,
  maxSubscriptionsPerClient: 1000,
  maxTopicLevels: 128,
  socketHighWaterMark: 1024 * 1024,
  maxPendingPackets: 1000,
  checkPayloadFormat: true,
  maxConnections: 0,
  maxConnectionsPerIp: 0,
  connectRatePerIp: 0,
  connectRateIntervalMs: 1000,
  maxPublishRate: 0,
  publishRateIntervalMs: 1000,
};

/** Default reserveFileDescriptors: room for 16k connections before the first table resize. */
export const DEFAULT_RESERVED_DESCRIPTORS = 16_384;

export const BROKER_VERSION = '0.1.0';

export function resolveOptions(options: BrokerOptions): ResolvedOptions {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (limits.receiveMaximum < 1 || limits.receiveMaximum > 65535) {
    throw new RangeError('limits.receiveMaximum must be 1..65535');
  }
  if (limits.topicAliasMaximum < 0 || limits.topicAliasMaximum > 65535) {
    throw new RangeError('limits.topicAliasMaximum must be 0..65535');
  }
  if (limits.maxKeepAlive < 0 || limits.maxKeepAlive > 65535) {
    throw new RangeError('limits.maxKeepAlive must be 0..65535');
  }
  const reserveFileDescriptors = options.reserveFileDescriptors ?? DEFAULT_RESERVED_DESCRIPTORS;
  if (!Number.isInteger(reserveFileDescriptors) || reserveFileDescriptors < 0) {
    throw new RangeError('reserveFileDescriptors must be a whole number >= 0');
  }
  const nodeId = options.sys?.nodeId;
  if (nodeId !== undefined && (nodeId === '' || /[/+#\u0000]/.test(nodeId))) {
    throw new TypeError("sys.nodeId must be one topic level: not empty, no '/', '+', '#' or NUL");
  }
  if (!QUEUE_POLICIES.includes(limits.queuePolicy)) {
    throw new TypeError("limits.queuePolicy must be 'backpressure', 'drop-oldest' or 'drop-new'");
  }
  return {
    listeners: options.listeners ?? [{ type: 'tcp', host: '127.0.0.1', port: 1883 }],
    responseInformation: options.responseInformation,
    limits,
    sessionExpiryMaxSeconds: options.sessionExpiryMaxSeconds ?? 86_400,
    reserveFileDescriptors,
    sys: { enabled: true, intervalMs: 10_000, ...options.sys },
    version: options.version ?? `@mq/broker ${BROKER_VERSION}`,
  };
}
