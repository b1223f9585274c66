import type { Duplex } from 'node:stream';

/** A byte stream a listener accepted, plus where it came from. */
export interface AcceptedTransport {
  stream: Duplex;
  /** Which listener accepted it, e.g. 'tcp' or 'ws'. */
  listener: string;
  remoteAddress?: string;
  remotePort?: number;
}

export type AcceptTransport = (transport: AcceptedTransport) => void;

export interface ListenerAddress {
  type: string;
  host: string;
  port: number;
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
}

export interface WsListenerConfig {
  type: 'ws';
  /** Default '127.0.0.1'. */
  host?: string;
  port: number;
  /** HTTP path of the upgrade request. Default '/mqtt'. */
  path?: string;
}

/** Any listener config: built-ins, or `{ type: '<name>', ... }` served by a factory passed in options. */
export type ListenerConfig = TcpListenerConfig | WsListenerConfig | CustomListenerConfig;

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
