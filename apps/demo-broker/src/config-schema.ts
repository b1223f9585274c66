import { DEFAULT_LIMITS, DEFAULT_RESERVED_DESCRIPTORS } from '@mq/broker';
import { z } from 'zod';

/*
 * The config file schema. Every object is strict so a misspelt key is refused by name instead of being
 * ignored, and every field carries the phrase used after "expected" in error messages.
 * Every field is optional in a file; defaults live in DEFAULT_CONFIG and are merged in resolve-config.ts.
 */

const intIn = (min: number, max: number, what = 'an integer') => {
  const phrase = max === Number.MAX_SAFE_INTEGER ? `${what} >= ${min}` : `${what} from ${min} to ${max}`;
  return z.int({ error: phrase }).min(min, { error: phrase }).max(max, { error: phrase });
};

const mapping = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: 'a mapping of keys to values' }).optional();

export const port = intIn(0, 65535, 'a port number (integer)');
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export const QUEUE_POLICIES = ['backpressure', 'drop-oldest', 'drop-new'] as const;

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.map((v) => `"${v}"`).join(', ')}` });

export const host = z.string({ error: 'a host name or IP address' }).min(1, { error: 'a non-empty host' });
export const wsPath = z
  .string({ error: 'a URL path starting with "/"' })
  .regex(/^\/[^\s?#]*$/, { error: 'a URL path starting with "/"' });

const MAX = Number.MAX_SAFE_INTEGER;

export const filePath = z.string({ error: 'a file path' }).min(1, { error: 'a file path' });
const flag = z.boolean({ error: 'true or false' }).optional();
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

/** TLS listener keys shared by mqtts and wss; cert and key are PEM files. */
const tlsKeys = {
  host: host.optional(),
  port: port.optional(),
  cert: filePath,
  key: filePath,
  ca: filePath.optional(),
  requestCert: flag,
  useIdentityAsUsername: flag,
  minVersion: oneOf(TLS_VERSIONS).optional(),
};

const BRIDGE_DIRECTIONS = ['in', 'out', 'both'] as const;
export const redisUrl = z
  .string({ error: 'a redis:// or rediss:// URL' })
  .regex(/^rediss?:\/\/\S+$/, { error: 'a redis:// or rediss:// URL' });
/** `memory` or `sqlite:PATH`; the same spelling in the file, the flag and the variable. */
export const storeSpec = z
  .string({ error: 'memory or sqlite:PATH' })
  .regex(/^(memory|sqlite:\S.*)$/, { error: 'memory or sqlite:PATH' });
const text = (what: string) => z.string({ error: what }).min(1, { error: what });

/** One bridge: the fields of @mq/bridge's createBridge options that make sense in a file. */
const bridgeSchema = z.strictObject(
  {
    url: z
      .string({ error: 'an mqtt://, mqtts://, ws:// or wss:// URL' })
      .regex(/^(mqtts?|wss?):\/\/\S+$/, { error: 'an mqtt://, mqtts://, ws:// or wss:// URL' }),
    clientId: text('a non-empty client id'),
    protocolVersion: z.union([z.literal(4), z.literal(5)], { error: '4 or 5' }).optional(),
    username: z.string({ error: 'a user name' }).optional(),
    password: z.string({ error: 'a password' }).optional(),
    topics: z
      .array(
        z.strictObject(
          {
            pattern: z.string({ error: 'a topic filter' }),
            direction: oneOf(BRIDGE_DIRECTIONS),
            qos: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: '0, 1 or 2' }),
            localPrefix: z.string({ error: 'a topic prefix' }).optional(),
            remotePrefix: z.string({ error: 'a topic prefix' }).optional(),
          },
          { error: 'a mapping of keys to values' },
        ),
        { error: 'a list of topic mappings' },
      )
      .min(1, { error: 'at least one topic mapping' }),
  },
  { error: 'a mapping of keys to values' },
);

export const configFileSchema = z.strictObject(
  {
    store: storeSpec.optional(),
    cluster: mapping({
      redis: mapping({ url: redisUrl.optional(), prefix: text('a non-empty key prefix').optional() }),
      // It names the node's $SYS topics ($SYS/brokers/<nodeId>/...), so it must be one topic level.
      nodeId: z
        .string({ error: "a node id without '/', '+' or '#'" })
        .regex(/^[^/+#\u0000]+$/, { error: "a node id without '/', '+' or '#'" })
        .optional(),
      // How fast the other nodes notice that this one died (see @mq/redis "Dead nodes").
      heartbeatMs: intIn(100, 60_000).optional(),
      deadAfterMs: intIn(400, 600_000).optional(),
    }),
    bridges: z.array(bridgeSchema, { error: 'a list of bridges' }).optional(),
    listeners: mapping({
      mqtt: mapping({
        host: host.optional(),
        port: port.optional(),
        engine: oneOf(['native', 'net']).optional(),
      }),
      ws: mapping({ host: host.optional(), port: port.optional(), path: wsPath.optional() }),
      mqtts: mapping(tlsKeys),
      wss: mapping({ ...tlsKeys, path: wsPath.optional() }),
    }),
    auth: mapping({
      allowAnonymous: flag,
      passwordFile: filePath.optional(),
      aclFile: filePath.optional(),
    }),
    limits: mapping({
      maxPacketSize: intIn(16, 268_435_455).optional(),
      receiveMaximum: intIn(1, 65535).optional(),
      topicAliasMaximum: intIn(0, 65535).optional(),
      outboundTopicAliases: intIn(0, 65535).optional(),
      maxKeepAlive: intIn(0, 65535).optional(),
      connectTimeoutMs: intIn(100, MAX).optional(),
      maxSubscriptionsPerClient: intIn(1, MAX).optional(),
      maxTopicLevels: intIn(1, MAX).optional(),
      socketHighWaterMark: intIn(1024, MAX).optional(),
      maxPendingPackets: intIn(1, MAX).optional(),
      maxConnections: intIn(0, MAX).optional(),
      maxConnectionsPerIp: intIn(0, MAX).optional(),
      connectRatePerIp: intIn(0, MAX).optional(),
      connectRateIntervalMs: intIn(1, MAX).optional(),
      maxPublishRate: intIn(0, MAX).optional(),
      publishRateIntervalMs: intIn(1, MAX).optional(),
      reserveFileDescriptors: intIn(0, 1 << 20).optional(),
    }),
    session: mapping({
      expiryMaxSeconds: intIn(0, 4_294_967_295).optional(),
    }),
    queue: mapping({
      maxMessages: intIn(0, MAX).optional(),
      policy: oneOf(QUEUE_POLICIES).optional(),
      maxInflight: intIn(1, 65535).optional(),
    }),
    sys: mapping({
      enabled: z.boolean({ error: 'true or false' }).optional(),
      intervalMs: intIn(100, MAX).optional(),
    }),
    log: mapping({
      level: oneOf(LOG_LEVELS).optional(),
      format: oneOf(LOG_FORMATS).optional(),
    }),
  },
  { error: 'a mapping of keys to values' },
);

/** What a config file may hold: every key optional. */
export type ConfigFile = z.infer<typeof configFileSchema>;

export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type QueuePolicy = (typeof QUEUE_POLICIES)[number];
export type TlsVersion = (typeof TLS_VERSIONS)[number];
export type BridgeConfig = z.infer<typeof bridgeSchema>;

/** Cluster mode: on only when a Redis URL comes from the file, MQ_REDIS_URL or --redis-url. */
export interface ClusterConfig {
  redis: { url: string; prefix?: string };
  nodeId?: string;
  heartbeatMs?: number;
  deadAfterMs?: number;
}

/** A TLS listener (on only when its section is in the config file). */
export interface TlsListener {
  host: string;
  port: number;
  cert: string;
  key: string;
  ca?: string;
  requestCert?: boolean;
  useIdentityAsUsername?: boolean;
  minVersion?: TlsVersion;
}

export const TLS_DEFAULTS = {
  mqtts: { host: '127.0.0.1', port: 8883 },
  wss: { host: '127.0.0.1', port: 8084, path: '/mqtt' },
} as const;

/** Where sessions, queued and retained messages and wills are kept. */
export type StoreConfig = { type: 'memory' } | { type: 'sqlite'; path: string };

/** The fully resolved configuration the broker starts with. */
export interface Config {
  store: StoreConfig;
  listeners: {
    /** engine: @mq/broker's TCP socket engine (absent: its default, 'native'). */
    mqtt: { host: string; port: number; engine?: 'native' | 'net' };
    /** port 0 disables the WebSocket listener. */
    ws: { host: string; port: number; path: string };
    mqtts?: TlsListener;
    wss?: TlsListener & { path: string };
  };
  /** allowAnonymous unset: allowed unless a password file is set. */
  auth: { allowAnonymous?: boolean; passwordFile?: string; aclFile?: string };
  limits: {
    maxPacketSize: number;
    receiveMaximum: number;
    topicAliasMaximum: number;
    outboundTopicAliases: number;
    maxKeepAlive: number;
    connectTimeoutMs: number;
    maxSubscriptionsPerClient: number;
    maxTopicLevels: number;
    socketHighWaterMark: number;
    maxPendingPackets: number;
    maxConnections: number;
    maxConnectionsPerIp: number;
    connectRatePerIp: number;
    connectRateIntervalMs: number;
    maxPublishRate: number;
    publishRateIntervalMs: number;
    reserveFileDescriptors: number;
  };
  session: { expiryMaxSeconds: number };
  queue: { maxMessages: number; policy: QueuePolicy; maxInflight: number };
  sys: { enabled: boolean; intervalMs: number };
  log: { level: LogLevel; format: LogFormat };
  cluster?: ClusterConfig;
  bridges: BridgeConfig[];
}

const L = DEFAULT_LIMITS;

/** Where cluster mode looks for Redis when the cluster section gives no URL. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Safe defaults: loopback only, like Mosquitto 2 without a config file. Limits come from @mq/broker itself,
 * so they cannot drift; a test checks that mq-broker.example.yaml shows the same values.
 */
export const DEFAULT_CONFIG: Config = {
  store: { type: 'memory' },
  listeners: {
    mqtt: { host: '127.0.0.1', port: 1883 },
    ws: { host: '127.0.0.1', port: 8083, path: '/mqtt' },
  },
  limits: {
    maxPacketSize: L.maxPacketSize,
    receiveMaximum: L.receiveMaximum,
    topicAliasMaximum: L.topicAliasMaximum,
    outboundTopicAliases: L.outboundTopicAliases,
    maxKeepAlive: L.maxKeepAlive,
    connectTimeoutMs: L.connectTimeoutMs,
    maxSubscriptionsPerClient: L.maxSubscriptionsPerClient,
    maxTopicLevels: L.maxTopicLevels,
    socketHighWaterMark: L.socketHighWaterMark,
    maxPendingPackets: L.maxPendingPackets,
    maxConnections: L.maxConnections,
    maxConnectionsPerIp: L.maxConnectionsPerIp,
    connectRatePerIp: L.connectRatePerIp,
    connectRateIntervalMs: L.connectRateIntervalMs,
    maxPublishRate: L.maxPublishRate,
    publishRateIntervalMs: L.publishRateIntervalMs,
    reserveFileDescriptors: DEFAULT_RESERVED_DESCRIPTORS,
  },
  auth: {},
  session: { expiryMaxSeconds: 86_400 },
  queue: { maxMessages: L.maxQueuedMessages, policy: L.queuePolicy, maxInflight: L.maxInflight },
  sys: { enabled: true, intervalMs: 10_000 },
  log: { level: 'info', format: 'auto' },
  bridges: [],
};
