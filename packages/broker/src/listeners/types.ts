import type { Duplex } from 'node:stream';
import type { ByteChannel } from './channel.js';

/** A byte stream a listener accepted, plus where it came from. */
export interface AcceptedTransport {
  /** A node Duplex (what custom listeners hand over), or the built-in TCP listener's own channel. */
  stream: Duplex | ByteChannel;
  /** Which listener accepted it, e.g. 'tcp' or 'ws'. */
  listener: string;
  remoteAddress?: string;
  remotePort?: number;
  /** Set by TLS listeners that request a client certificate (`requestCert`). */
  certificate?: ClientCertificate;
}

/** What a TLS listener learnt about the client's certificate. */
export interface ClientCertificate {
  /** The certificate chains up to a trusted CA (node's `socket.authorized`). */
  authorized: boolean;
  /** Subject common name; undefined when the client sent no certificate. */
  identity?: string;
  /** Why the certificate is not trusted, when it is not. */
  error?: string;
  /** Use the identity as the MQTT username (the listener's `useIdentityAsUsername`). */
  useIdentityAsUsername: boolean;
}

export type AcceptTransport = (transport: AcceptedTransport) => void;

export interface ListenerAddress {
  type: string;
  host: string;
  port: number;
  /** TCP listeners: which socket engine serves it ('native' unless configured or unavailable). */
  engine?: 'native' | 'net';
}

/** A bound server socket feeding accepted byte streams to the broker. */
export interface Listener {
  readonly type: string;
  listen(): Promise<ListenerAddress>;
  /** Stops accepting; existing streams are closed by the broker. Idempotent. */
  close(): Promise<void>;
}

export interface TcpListenerConfig {
  type: 'tcp';
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 picks a free port; read it back with broker.addresses(). */
  port: number;
  /**
   * 'native' (default): sockets on node's libuv TCP handles, without a net.Socket per connection
   * (less memory and faster accepts); falls back to 'net' when the host is not an IP address or this
   * node lacks the handle bindings. 'net': node:net sockets.
   */
  engine?: 'native' | 'net';
}

export interface WsListenerConfig {
  type: 'ws';
  /** Default '127.0.0.1'. */
  host?: string;
  port: number;
  /** HTTP path of the upgrade request. Default '/mqtt'. */
  path?: string;
  /**
   * Largest WebSocket message accepted; a larger one closes the connection (1009 Message Too Big) before it
   * is held in memory. Default: limits.maxPacketSize plus 1 KiB.
   */
  maxMessageBytes?: number;
}

/** Server side TLS settings: PEM strings or Buffers, as node:tls takes them. */
export interface TlsSettings {
  cert: string | Buffer;
  key: string | Buffer;
  /** CAs trusted for client certificates. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask clients for a certificate; a connection without a valid one is then refused at CONNECT. Default false. */
  requestCert?: boolean;
  /**
   * With `requestCert`: true (node's default) fails the TLS handshake for untrusted certificates; false lets
   * the handshake finish so the broker can refuse at CONNECT with a reason code (v5 0x87, 3.1.1 return code 5).
   */
  rejectUnauthorized?: boolean;
  /** Default 'TLSv1.2'. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** The client certificate's common name becomes the username (a CONNECT username is ignored). Default false. */
  useIdentityAsUsername?: boolean;
}

export interface TlsListenerConfig {
  type: 'tls';
  /** Default '127.0.0.1'. */
  host?: string;
  port: number;
  tls: TlsSettings;
}

export interface WssListenerConfig {
  type: 'wss';
  /** Default '127.0.0.1'. */
  host?: string;
  port: number;
  /** HTTP path of the upgrade request. Default '/mqtt'. */
  path?: string;
  /** As for 'ws': largest WebSocket message accepted. Default: limits.maxPacketSize plus 1 KiB. */
  maxMessageBytes?: number;
  tls: TlsSettings;
}

/** Any listener config: built-ins, or `{ type: '<name>', ... }` served by a factory passed in options. */
export type ListenerConfig =
  | TcpListenerConfig
  | WsListenerConfig
  | TlsListenerConfig
  | WssListenerConfig
  | CustomListenerConfig;

export interface CustomListenerConfig {
  type: string;
  host?: string;
  port: number;
  [option: string]: unknown;
}

/**
 * Builds a listener of one type. New transports (TLS, WSS) are new entries in the factory map:
 * they only have to turn their server's connections into Duplex streams.
 */
// biome-ignore lint/suspicious/noExplicitAny: each factory narrows the config to its own type
export type ListenerFactory<C extends { type: string; port: number } = any> = (
  config: C,
  accept: AcceptTransport,
) => Listener;

export type ListenerFactories = Record<string, ListenerFactory>;

export const DEFAULT_HOST = '127.0.0.1';
