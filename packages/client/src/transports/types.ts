/** Callbacks a transport reports to; `onClose` is called exactly once, with the error if any. */
export interface TransportHandlers {
  onData(chunk: Uint8Array): void;
  onClose(error?: Error): void;
}

/** A byte stream to the broker, already open. */
export interface Transport {
  write(bytes: Uint8Array): void;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Closes immediately, dropping unsent bytes (what a crash or a cut cable looks like). */
  destroy(): void;
}

/** TLS settings for `mqtts://` and `wss://` (Node only; browsers use the platform's trust store). */
export interface TlsOptions {
  /** Trusted CA certificate(s), PEM. */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** Client certificate chain, PEM. */
  cert?: string | Uint8Array;
  /** Client private key, PEM. */
  key?: string | Uint8Array;
  passphrase?: string;
  /** SNI server name (default: the URL host when it is not an IP address). */
  servername?: string;
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean;
  /** ALPN protocol names to offer (default none; e.g. ['mqtt'] or a cloud broker's own name). */
  alpnProtocols?: string[];
}

export interface TransportOptions {
  tls?: TlsOptions;
  /** WebSocket subprotocol (default 'mqtt'). */
  wsProtocol?: string;
  /** Extra HTTP headers for the WebSocket upgrade (Node only). */
  wsHeaders?: Record<string, string>;
  /** Aborts an attempt still opening (the client ended or the connect timeout ran out). */
  signal?: AbortSignal;
}

export type TransportFactory = (
  url: URL,
  options: TransportOptions,
  handlers: TransportHandlers,
) => Promise<Transport>;

export function defaultPort(protocol: string): number {
  switch (protocol) {
    case 'mqtts:':
      return 8883;
    case 'ws:':
      return 80;
    case 'wss:':
      return 443;
    default:
      return 1883;
  }
}
