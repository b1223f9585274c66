import { createTcpListener } from './tcp.js';
import { createTlsListener, createWssListener } from './tls.js';
import type { ListenerFactories } from './types.js';
import { createWsListener } from './ws.js';

/** Built-in listener types; options.listenerFactories adds more. */
export const builtinListenerFactories: ListenerFactories = {
  tcp: createTcpListener,
  ws: createWsListener,
  tls: createTlsListener,
  wss: createWssListener,
};
