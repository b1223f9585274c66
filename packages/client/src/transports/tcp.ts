import { connect } from 'node:net';
import { socketTransport, whenOpen } from './stream.js';
import { defaultPort, type TransportFactory } from './types.js';

/** `mqtt://` and `tcp://`: plain TCP. */
export const tcpTransport: TransportFactory = async (url, options, handlers) => {
  const socket = connect({ host: hostOf(url), port: Number(url.port) || defaultPort(url.protocol) });
  socket.setNoDelay(true);
  await whenOpen(socket, 'connect', options.signal);
  return socketTransport(socket, handlers);
};

/** URL hostnames keep IPv6 brackets; sockets want them off. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
