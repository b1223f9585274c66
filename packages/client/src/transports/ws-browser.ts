import type { Transport, TransportFactory } from './types.js';

/** `ws://` and `wss://` through the platform WebSocket (browsers, Deno, Node >= 22). */
export const wsBrowserTransport: TransportFactory = (url, options, handlers) =>
  new Promise<Transport>((resolve, reject) => {
    const Ctor = globalThis.WebSocket;
    if (typeof Ctor !== 'function') {
      reject(new Error('no global WebSocket in this environment'));
      return;
    }
    const socket = new Ctor(url.href, options.wsProtocol ?? 'mqtt');
    socket.binaryType = 'arraybuffer';
    let open = false;
    let closed = false;
    socket.onmessage = (event: MessageEvent) => {
      const data = event.data;
      if (data instanceof ArrayBuffer) handlers.onData(new Uint8Array(data));
      else if (ArrayBuffer.isView(data))
        handlers.onData(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    };
    socket.onerror = () => {
      if (!open) reject(new Error(`WebSocket to ${url.href} failed`));
    };
    socket.onclose = (event: CloseEvent) => {
      if (!open) {
        reject(new Error(`WebSocket to ${url.href} closed before it was open (code ${event.code})`));
        return;
      }
      if (closed) return;
      closed = true;
      handlers.onClose(event.wasClean ? undefined : new Error(`WebSocket closed with code ${event.code}`));
    };
    const onAbort = () => {
      if (!open) socket.close();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.onopen = () => {
      open = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        write: (bytes) => {
          if (socket.readyState === 1) socket.send(bytes);
        },
        end: () => socket.close(1000),
        destroy: () => socket.close(),
      });
    };
  });
