import net from 'node:net';
import { NativeTcpServer, nativeTcpBindings } from './native-tcp.js';
import { type AcceptTransport, DEFAULT_HOST, type Listener, type TcpListenerConfig } from './types.js';

/**
 * Plain TCP. By default on bare libuv handles (native-tcp.ts: a third of a net.Socket's memory per
 * connection, and faster to accept); on node:net when asked (`engine: 'net'`), when the host is a name
 * rather than an address, or when this node lacks the handle bindings.
 */
export function createTcpListener(config: TcpListenerConfig, accept: AcceptTransport): Listener {
  const host = config.host ?? DEFAULT_HOST;
  const native = config.engine === 'net' || net.isIP(host) === 0 ? undefined : nativeTcpBindings();
  if (native !== undefined) {
    let server: NativeTcpServer | undefined;
    return {
      type: 'tcp',
      async listen() {
        server ??= new NativeTcpServer(native, host, config.port, accept);
        return server.address();
      },
      async close() {
        await server?.close();
      },
    };
  }
  return createNetTcpListener(config, accept);
}

/** TCP on node:net: every accepted socket is already the byte stream the broker needs. */
function createNetTcpListener(config: TcpListenerConfig, accept: AcceptTransport): Listener {
  const server = net.createServer({ noDelay: true }, (socket) => {
    accept({
      stream: socket,
      listener: 'tcp',
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
    });
  });
  const listener = serverListener('tcp', server, config.host ?? DEFAULT_HOST, config.port);
  return {
    type: 'tcp',
    listen: async () => ({ ...(await listener.listen()), engine: 'net' }),
    close: () => listener.close(),
  };
}

/** Shared listen/close for anything built on a net.Server (tcp, ws and later tls, wss). */
export function serverListener(
  type: string,
  server: net.Server,
  host: string,
  port: number,
  beforeClose?: () => void,
): Listener {
  let closing: Promise<void> | undefined;
  return {
    type,
    listen() {
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const addr = server.address() as net.AddressInfo;
          resolve({ type, host: addr.address, port: addr.port });
        });
      });
    },
    close() {
      closing ??= new Promise((resolve) => {
        beforeClose?.();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
