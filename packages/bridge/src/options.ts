import type { BackoffOptions, MessageStore, TlsOptions } from '@mq/client';
import { validateTopicName } from '@mq/topic-trie';
import { BridgeConfigError } from './errors.js';
import { type CompiledMapping, compileMapping, type TopicMapping } from './mapping.js';
import type { NotificationOptions } from './notifications.js';

/** Every option of `createBridge`, with its default. */
export interface BridgeOptions {
  /** The remote broker: `mqtt://`, `mqtts://`, `ws://` or `wss://`. Required. */
  url: string | URL;
  /** Client id on the remote. Required: the persistent remote session is found by it. */
  clientId: string;
  /** 4 (MQTT 3.1.1) or 5. Default 5. */
  protocolVersion?: 4 | 5;
  /** Default: none. */
  username?: string;
  /** Default: none. */
  password?: string | Uint8Array;
  /** TLS for `mqtts://` and `wss://`, passed to @mq/client as is. Default: none (system CAs). */
  tls?: TlsOptions;
  /**
   * Clean Start (v5) / Clean Session (v4). Default false: the remote keeps the bridge's subscriptions
   * and queues `in` messages while the bridge is away.
   */
  cleanStart?: boolean;
  /** v5 Session Expiry Interval in seconds (ignored for v4, whose sessions do not expire). Default 86 400. */
  sessionExpiryInterval?: number;
  /** Keep alive towards the remote, seconds. Default 60. */
  keepAlive?: number;
  /** Connect (transport + CONNACK) deadline, ms. Default 30 000. */
  connectTimeout?: number;
  /** Reconnect backoff. Default `{ initialDelay: 500, maxDelay: 30000, factor: 2, jitter: 0.3 }`, never giving up. */
  reconnect?: BackoffOptions;
  /** Outgoing QoS 1/2 in flight towards the remote. Default: the client's (65535 for v5, capped by the remote's Receive Maximum; 20 for v4). */
  maxInflight?: number;
  /** Forwarded messages waiting for the remote (while it is down) before forwarding fails with QUEUE_FULL. Default 100 000. */
  maxQueued?: number;
  /** Where outgoing QoS 1/2 messages live until the remote acknowledges them. Default: a MemoryStore; use `FileStore(path)` to survive a restart of this process. */
  store?: MessageStore;
  /** How long `stop()` waits for queued and in-flight messages before it disconnects, ms. Default 10 000. */
  stopTimeout?: number;
  /**
   * MQTT 3.1.1 only (v5 uses No Local): how long, after the remote acknowledged a forwarded message,
   * an identical message (same remote topic and payload) coming back through an `in` subscription is
   * taken for its echo and dropped, ms. Default 30 000.
   */
  echoWindowMs?: number;
  /**
   * At start, send the local retained messages that match an `out` mapping (not `both`), as Mosquitto's
   * bridge does. Default true.
   */
  forwardRetained?: boolean;
  /**
   * Mosquitto's bridge notifications: a retained '1' on connect and '0' on disconnect, on the local
   * broker and (unless `remote: false`) on the remote, with a will of '0'. `true` uses the topic
   * `$SYS/broker/connection/<clientId>/state`. Default off.
   */
  notifications?: boolean | NotificationOptions;
  /** The mappings; at least one. */
  topics: TopicMapping[];
}

export interface ResolvedBridgeOptions {
  url: URL;
  clientId: string;
  protocolVersion: 4 | 5;
  cleanStart: boolean;
  sessionExpiryInterval: number;
  stopTimeout: number;
  echoWindowMs: number;
  maxQueued: number;
  forwardRetained: boolean;
  mappings: CompiledMapping[];
  raw: BridgeOptions;
}

export const BRIDGE_DEFAULTS = {
  protocolVersion: 5,
  cleanStart: false,
  sessionExpiryInterval: 86_400,
  stopTimeout: 10_000,
  echoWindowMs: 30_000,
  maxQueued: 100_000,
  forwardRetained: true,
} as const;

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BridgeConfigError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/** Checks every option and mapping; throws BridgeConfigError (a TypeError) naming the culprit. */
export function resolveBridgeOptions(options: BridgeOptions): ResolvedBridgeOptions {
  if (typeof options !== 'object' || options === null)
    throw new BridgeConfigError('options must be an object');
  let url: URL;
  try {
    url = typeof options.url === 'string' ? new URL(options.url) : options.url;
  } catch (cause) {
    throw new BridgeConfigError(`url '${String(options.url)}' is not a URL`, undefined, cause);
  }
  if (!(url instanceof URL)) throw new BridgeConfigError('url must be a string or a URL');
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new BridgeConfigError(`url scheme must be mqtt, mqtts, ws or wss, got ${url.protocol}`);
  }
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw new BridgeConfigError('clientId must be a non-empty string (the remote session is kept under it)');
  }
  const protocolVersion = options.protocolVersion ?? BRIDGE_DEFAULTS.protocolVersion;
  if (protocolVersion !== 4 && protocolVersion !== 5) {
    throw new BridgeConfigError(`protocolVersion must be 4 or 5, got ${String(protocolVersion)}`);
  }
  checkInteger('sessionExpiryInterval', options.sessionExpiryInterval, 0, 0xffffffff);
  checkInteger('stopTimeout', options.stopTimeout, 0, 2 ** 31 - 1);
  checkInteger('echoWindowMs', options.echoWindowMs, 0, 2 ** 31 - 1);
  checkInteger('maxQueued', options.maxQueued, 1, Number.MAX_SAFE_INTEGER);
  // Checked here too, so a bad value fails at createBridge and not later inside start().
  checkInteger('keepAlive', options.keepAlive, 0, 65535);
  checkInteger('maxInflight', options.maxInflight, 1, 65535);
  checkInteger('connectTimeout', options.connectTimeout, 1, 2 ** 31 - 1);
  const notify = options.notifications;
  if (typeof notify === 'object' && notify !== null && notify.topic !== undefined) {
    try {
      validateTopicName(notify.topic);
    } catch (cause) {
      throw new BridgeConfigError(
        `notifications.topic '${notify.topic}' is not a topic name`,
        undefined,
        cause,
      );
    }
  }
  if (!Array.isArray(options.topics) || options.topics.length === 0) {
    throw new BridgeConfigError('topics must be a non-empty array of mappings');
  }
  return {
    url,
    clientId: options.clientId,
    protocolVersion,
    cleanStart: options.cleanStart ?? BRIDGE_DEFAULTS.cleanStart,
    sessionExpiryInterval: options.sessionExpiryInterval ?? BRIDGE_DEFAULTS.sessionExpiryInterval,
    stopTimeout: options.stopTimeout ?? BRIDGE_DEFAULTS.stopTimeout,
    echoWindowMs: options.echoWindowMs ?? BRIDGE_DEFAULTS.echoWindowMs,
    maxQueued: options.maxQueued ?? BRIDGE_DEFAULTS.maxQueued,
    forwardRetained: options.forwardRetained ?? BRIDGE_DEFAULTS.forwardRetained,
    mappings: options.topics.map((m, i) => compileMapping(m, i)),
    raw: options,
  };
}
