import https from 'node:https';
import tls from 'node:tls';
import { serverListener } from './tcp.js';
import {
  type AcceptTransport,
  type ClientCertificate,
  DEFAULT_HOST,
  type Listener,
  type TlsListenerConfig,
  type TlsSettings,
  type WssListenerConfig,
} from './types.js';
import { attachWebSocket, closeWebSockets } from './ws.js';

/** node:tls server options from our settings; TLS 1.2 is the floor unless raised. */
export function tlsServerOptions(settings: TlsSettings): tls.TlsOptions {
  const options: tls.TlsOptions = {
    cert: settings.cert,
    key: settings.key,
    minVersion: settings.minVersion ?? 'TLSv1.2',
    requestCert: settings.requestCert === true,
    rejectUnauthorized: settings.requestCert === true && settings.rejectUnauthorized !== false,
  };
  if (settings.ca !== undefined) options.ca = settings.ca;
  return options;
}

/** The client certificate as the broker needs it, or undefined when the listener does not ask for one. */
export function clientCertificate(
  socket: tls.TLSSocket,
  settings: TlsSettings,
): ClientCertificate | undefined {
  if (settings.requestCert !== true) return undefined;
  const peer = socket.getPeerCertificate();
  const cn = peer?.subject?.CN;
  const identity = Array.isArray(cn) ? cn[0] : cn;
  const info: ClientCertificate = {
    authorized: socket.authorized && identity !== undefined,
    useIdentityAsUsername: settings.useIdentityAsUsername === true,
  };
  if (identity) info.identity = identity;
  const error = socket.authorizationError;
  if (!socket.authorized && error) info.error = String(error);
  return info;
}

/** MQTT over TLS (mqtts, usually port 8883). */
export function createTlsListener(config: TlsListenerConfig, accept: AcceptTransport): Listener {
  const server = tls.createServer(tlsServerOptions(config.tls), (socket) => {
    const certificate = clientCertificate(socket, config.tls);
    accept({
      stream: socket,
      listener: 'tls',
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      ...(certificate && { certificate }),
    });
  });
  // A failed handshake is the client's problem; without a listener it would be an unhandled error.
  server.on('tlsClientError', () => {});
  return serverListener('tls', server, config.host ?? DEFAULT_HOST, config.port);
}

/** MQTT over secure WebSocket (wss). */
export function createWssListener(config: WssListenerConfig, accept: AcceptTransport): Listener {
  const server = https.createServer(tlsServerOptions(config.tls), (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('MQTT over WebSocket: upgrade required\n');
  });
  server.on('tlsClientError', () => {});
  const wss = attachWebSocket(
    server,
    'wss',
    config.path ?? '/mqtt',
    (transport, req) => {
      const certificate = clientCertificate(req.socket as tls.TLSSocket, config.tls);
      accept(certificate ? { ...transport, certificate } : transport);
    },
    config.maxMessageBytes,
  );
  return serverListener('wss', server, config.host ?? DEFAULT_HOST, config.port, () => closeWebSockets(wss));
}
