import type { Socket } from 'node:net';
import type { Transport, TransportHandlers } from './types.js';

/** Wraps a connected node:net or node:tls socket as a Transport. */
export function socketTransport(socket: Socket, handlers: TransportHandlers): Transport {
  let closed = false;
  let failure: Error | undefined;
  let endTimer: ReturnType<typeof setTimeout> | undefined;
  socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
  socket.on('error', (error) => {
    failure ??= error;
  });
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    if (endTimer) clearTimeout(endTimer);
    handlers.onClose(failure);
  });
  return {
    write: (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    },
    end: () => {
      socket.end();
      // A peer that never closes its side must not keep the socket (and the process) alive.
      endTimer = setTimeout(() => socket.destroy(), 1000);
    },
    destroy: () => socket.destroy(),
  };
}

/** Resolves once `socket` emits `readyEvent`, rejects on an error or close before that. */
export function whenOpen(
  socket: Socket,
  readyEvent: 'connect' | 'secureConnect',
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onClose = () => onError(new Error('socket closed before it was open'));
    const onAbort = () => onError(new Error('connection attempt aborted'));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    socket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
