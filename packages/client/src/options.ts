import type { ConnectPacket, ConnectProperties, ProtocolVersion, QoS, WillProperties } from '@mq/codec';
import { BACKOFF_DEFAULTS, type BackoffOptions } from './backoff.js';
import type { MessageStore } from './store/types.js';
import type { TlsOptions } from './transports/types.js';

export interface WillOptions {
  topic: string;
  payload: string | Uint8Array;
  /** Default 0. */
  qos?: QoS;
  /** Default false. */
  retain?: boolean;
  /** MQTT 5 will properties (willDelayInterval, messageExpiryInterval, contentType, ...). */
  properties?: WillProperties;
}

/** What the server sent in an AUTH packet (or CONNACK) during enhanced authentication. */
export interface AuthChallenge {
  reasonCode: number;
  authenticationMethod: string | undefined;
  authenticationData: Uint8Array | undefined;
}

/** Every option, with its default. */
export interface ClientOptions {
  /** 3 (MQTT 3.1), 4 (3.1.1) or 5. Default 5. */
  protocolVersion?: ProtocolVersion;
  /** Default: `mq-` + 16 random hex digits, kept across reconnects. With '' in v5 the server assigns one. */
  clientId?: string;
  username?: string;
  password?: string | Uint8Array;
  /** Seconds; 0 turns keepalive off. Default 60. The server's Server Keep Alive (v5) overrides it. */
  keepAlive?: number;
  /** How long to wait for PINGRESP before declaring the connection dead, ms. Default: keep alive / 2, between 1 s and 30 s. */
  pingTimeout?: number;
  /**
   * Clean Start (v5) / Clean Session (v3, v4). Default true. In v5 it applies to the first connection;
   * reconnects resume the session when `sessionExpiryInterval` > 0.
   */
  cleanStart?: boolean;
  /** v5 Session Expiry Interval, seconds. Default 0 (session ends with the connection). */
  sessionExpiryInterval?: number;
  will?: WillOptions;
  /** v5 Receive Maximum the client announces (incoming QoS 1/2 in flight). Default: not sent (65535). */
  receiveMaximum?: number;
  /** v5 Maximum Packet Size the client accepts, bytes. Default: not sent (no limit). */
  maximumPacketSize?: number;
  /** v5 Topic Alias Maximum for aliases the server may use towards us. Default 0 (none). */
  topicAliasMaximum?: number;
  /** v5: use outgoing topic aliases (up to the server's Topic Alias Maximum), least recently used replaced. Default false. */
  autoTopicAlias?: boolean;
  requestResponseInformation?: boolean;
  requestProblemInformation?: boolean;
  /** v5 CONNECT user properties. */
  userProperties?: Array<[string, string]>;
  authenticationMethod?: string;
  authenticationData?: Uint8Array;
  /** Answers each AUTH challenge (reason 0x18) from the server with the next authentication data. */
  onAuth?: (challenge: AuthChallenge) => Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Transport + CONNACK deadline, ms. Default 30 000. */
  connectTimeout?: number;
  /** Reconnect with backoff after a lost connection; `false` turns it off. Default on, see BackoffOptions. */
  reconnect?: boolean | BackoffOptions;
  /** Re-subscribe after reconnecting when the server has no session for us. Default true. */
  resubscribe?: boolean;
  /**
   * Upper bound for outgoing QoS 1/2 messages in flight. The v5 server's Receive Maximum lowers it.
   * Default: 65535 for v5, 20 for v3/v4 (brokers commonly drop beyond 20 for 3.1.1 clients).
   */
  maxInflight?: number;
  /** Accepted messages waiting to be sent (offline or window full) beyond which publish fails with QUEUE_FULL. Default 10 000. */
  maxQueued?: number;
  /** Where outgoing QoS 1/2 messages live until acknowledged. Default: a MemoryStore. */
  store?: MessageStore;
  /** Incoming QoS 1/2 messages are acknowledged only when `message.ack()` is called. Default false. */
  manualAck?: boolean;
  /** `end()` waits this long for queued and in-flight messages, ms. Default 10 000. */
  endTimeout?: number;
  /** TLS for mqtts:// and wss:// (Node). */
  tls?: TlsOptions;
  /** WebSocket subprotocol. Default 'mqtt'. */
  wsProtocol?: string;
  /** Extra headers for the WebSocket upgrade (Node only). */
  wsHeaders?: Record<string, string>;
}

export interface ResolvedOptions
  extends Required<
    Pick<
      ClientOptions,
      | 'protocolVersion'
      | 'clientId'
      | 'keepAlive'
      | 'cleanStart'
      | 'sessionExpiryInterval'
      | 'topicAliasMaximum'
      | 'autoTopicAlias'
      | 'connectTimeout'
      | 'resubscribe'
      | 'maxInflight'
      | 'maxQueued'
      | 'manualAck'
      | 'endTimeout'
    >
  > {
  reconnect: Required<BackoffOptions> | false;
  raw: ClientOptions;
}

function randomClientId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return `mq-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const protocolVersion = options.protocolVersion ?? 5;
  if (protocolVersion !== 3 && protocolVersion !== 4 && protocolVersion !== 5) {
    throw new RangeError(`protocolVersion must be 3, 4 or 5, got ${String(protocolVersion)}`);
  }
  checkInteger('keepAlive', options.keepAlive, 0, 65535);
  checkInteger('receiveMaximum', options.receiveMaximum, 1, 65535);
  checkInteger('maxInflight', options.maxInflight, 1, 65535);
  checkInteger('topicAliasMaximum', options.topicAliasMaximum, 0, 65535);
  checkInteger('sessionExpiryInterval', options.sessionExpiryInterval, 0, 0xffffffff);
  const keepAlive = options.keepAlive ?? 60;
  const clientId = options.clientId ?? randomClientId();
  if (protocolVersion !== 5 && clientId === '' && options.cleanStart === false) {
    throw new TypeError('an empty clientId needs cleanStart: true before MQTT 5');
  }
  return {
    protocolVersion,
    clientId,
    keepAlive,
    cleanStart: options.cleanStart ?? true,
    sessionExpiryInterval: options.sessionExpiryInterval ?? 0,
    topicAliasMaximum: options.topicAliasMaximum ?? 0,
    autoTopicAlias: options.autoTopicAlias ?? false,
    connectTimeout: options.connectTimeout ?? 30_000,
    reconnect:
      options.reconnect === false
        ? false
        : { ...BACKOFF_DEFAULTS, ...(typeof options.reconnect === 'object' ? options.reconnect : {}) },
    resubscribe: options.resubscribe ?? true,
    maxInflight: options.maxInflight ?? (protocolVersion === 5 ? 65535 : 20),
    maxQueued: options.maxQueued ?? 10_000,
    manualAck: options.manualAck ?? false,
    endTimeout: options.endTimeout ?? 10_000,
    raw: options,
  };
}

const encoder = new TextEncoder();
export function toBytes(value: string | Uint8Array | undefined | null): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array(0);
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/** Builds the CONNECT packet for one connection attempt. */
export function buildConnect(options: ResolvedOptions, clientId: string, cleanStart: boolean): ConnectPacket {
  const raw = options.raw;
  const v = options.protocolVersion;
  const packet: ConnectPacket = {
    type: 'connect',
    protocolVersion: v,
    protocolName: v === 3 ? 'MQIsdp' : 'MQTT',
    clientId,
    cleanStart,
    keepAlive: options.keepAlive,
  };
  if (raw.username !== undefined) packet.username = raw.username;
  if (raw.password !== undefined) packet.password = toBytes(raw.password);
  if (raw.will) {
    packet.will = {
      topic: raw.will.topic,
      payload: toBytes(raw.will.payload),
      qos: raw.will.qos ?? 0,
      retain: raw.will.retain ?? false,
    };
    if (v === 5 && raw.will.properties) packet.will.properties = raw.will.properties;
  }
  if (v === 5) {
    const p: ConnectProperties = {};
    if (options.sessionExpiryInterval > 0) p.sessionExpiryInterval = options.sessionExpiryInterval;
    if (raw.receiveMaximum !== undefined) p.receiveMaximum = raw.receiveMaximum;
    if (raw.maximumPacketSize !== undefined) p.maximumPacketSize = raw.maximumPacketSize;
    if (options.topicAliasMaximum > 0) p.topicAliasMaximum = options.topicAliasMaximum;
    if (raw.requestResponseInformation !== undefined)
      p.requestResponseInformation = raw.requestResponseInformation;
    if (raw.requestProblemInformation !== undefined)
      p.requestProblemInformation = raw.requestProblemInformation;
    if (raw.userProperties) p.userProperties = raw.userProperties;
    if (raw.authenticationMethod !== undefined) p.authenticationMethod = raw.authenticationMethod;
    if (raw.authenticationData !== undefined) p.authenticationData = raw.authenticationData;
    if (Object.keys(p).length > 0) packet.properties = p;
  }
  return packet;
}
