import http from 'node:http';
import type https from 'node:https';
import { WebSocketServer } from 'ws';
import { serverListener } from './tcp.js';
import {
  type AcceptedTransport,
  type AcceptTransport,
  DEFAULT_HOST,
  type Listener,
  type WsListenerConfig,
} from './types.js';
import { WebSocketStream } from './ws-stream.js';

/** Subprotocols accepted; 'mqtt' is preferred [MQTT-6.0.0-4], 'mqttv3.1' is what old 3.1 clients offer. */
const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/**
 * MQTT over WebSocket. The message stream of binary frames is turned into a byte stream, so an MQTT
 * packet split across frames (or several packets in one frame) is reassembled by the same decoder as TCP.
 */
export function createWsListener(config: WsListenerConfig, accept: AcceptTransport): Listener {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('MQTT over WebSocket: upgrade required\n');
  });
  const wss = attachWebSocket(server, 'ws', config.path ?? '/mqtt', accept, config.maxMessageBytes);
  return serverListener('ws', server, config.host ?? DEFAULT_HOST, config.port, () => closeWebSockets(wss));
}

/** Largest WebSocket message by default: one packet at the default Maximum Packet Size, plus 1 KiB. */
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 1024;

/**
 * Upgrades requests on `path` of an HTTP(S) server to MQTT streams; reused by a later 'wss' listener.
 * `maxMessageBytes` bounds what `ws` collects before handing a message over (its own default is 100 MiB,
 * which no Maximum Packet Size check would see until the whole message had arrived).
 */
export function attachWebSocket(
  server: http.Server | https.Server,
  listener: string,
  path: string,
  accept: (transport: AcceptedTransport, req: http.IncomingMessage) => void,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
): WebSocketServer {
  const wss = new WebSocketServer({
    server,
    path,
    maxPayload: maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: (offered) => MQTT_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  // ws re-emits the HTTP server's errors (EADDRINUSE at listen): serverListener already rejects listen()
  // with them, and an 'error' event nobody listens to would end the process instead.
  wss.on('error', () => {});
  wss.on('connection', (socket, req) => {
    const stream = new WebSocketStream(socket);
    accept(
      {
        stream,
        listener,
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
      },
      req,
    );
  });
  return wss;
}

/** Drops any websocket still open so the HTTP server's close() can finish. */
export function closeWebSockets(wss: WebSocketServer): void {
  for (const client of wss.clients) client.terminate();
  wss.close();
}
