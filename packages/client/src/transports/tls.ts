import { isIP } from 'node:net';
import { type ConnectionOptions, connect } from 'node:tls';
import { socketTransport, whenOpen } from './stream.js';
import { hostOf } from './tcp.js';
import { defaultPort, type TlsOptions, type TransportFactory } from './types.js';

const pem = (value: string | Uint8Array): string | Buffer =>
  typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/** Node TLS options from ours (PEM strings or bytes). Shared by mqtts:// and wss://. */
export function nodeTlsOptions(tls: TlsOptions, host: string): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized ?? true };
  if (tls.ca !== undefined) options.ca = Array.isArray(tls.ca) ? tls.ca.map(pem) : pem(tls.ca);
  if (tls.cert !== undefined) options.cert = pem(tls.cert);
  if (tls.key !== undefined) options.key = pem(tls.key);
  if (tls.passphrase !== undefined) options.passphrase = tls.passphrase;
  const servername = tls.servername ?? (isIP(host) ? undefined : host);
  if (servername !== undefined) options.servername = servername;
  if (tls.alpnProtocols !== undefined) options.ALPNProtocols = tls.alpnProtocols;
  return options;
}

/** `mqtts://` and `ssl://`: TLS over TCP with optional CA, client certificate and SNI. */
export const tlsTransport: TransportFactory = async (url, options, handlers) => {
  const host = hostOf(url);
  const socket = connect({
    ...nodeTlsOptions(options.tls ?? {}, host),
    host,
    port: Number(url.port) || defaultPort(url.protocol),
  });
  socket.setNoDelay(true);
  await whenOpen(socket, 'secureConnect', options.signal);
  return socketTransport(socket, handlers);
};
