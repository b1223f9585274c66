import WebSocket from 'ws';
import { hostOf } from './tcp.js';
import { nodeTlsOptions } from './tls.js';
import type { Transport, TransportFactory } from './types.js';

/** `ws://` and `wss://` in Node, through the `ws` package (TLS options apply to wss). */
export const wsNodeTransport: TransportFactory = (url, options, handlers) =>
  new Promise<Transport>((resolve, reject) => {
    const socket = new WebSocket(url, options.wsProtocol ?? 'mqtt', {
      ...(url.protocol === 'wss:' ? nodeTlsOptions(options.tls ?? {}, hostOf(url)) : {}),
      ...(options.wsHeaders ? { headers: options.wsHeaders } : {}),
      perMessageDeflate: false,
    });
    socket.binaryType = 'nodebuffer';
    let open = false;
    let closed = false;
    let failure: Error | undefined;
    socket.on('message', (data: Buffer | Buffer[]) => {
      handlers.onData(Array.isArray(data) ? Buffer.concat(data) : data);
    });
    socket.on('error', (error) => {
      failure ??= error;
      if (!open) reject(error);
    });
    socket.on('close', () => {
      if (!open) {
        reject(failure ?? new Error('WebSocket closed before it was open'));
        return;
      }
      if (closed) return;
      closed = true;
      handlers.onClose(failure);
    });
    const onAbort = () => {
      if (!open) socket.terminate();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('open', () => {
      open = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        write: (bytes) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(bytes);
        },
        end: () => socket.close(1000),
        destroy: () => socket.terminate(),
      });
    });
  });
