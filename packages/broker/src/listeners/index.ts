import { createTcpListener } from './tcp.js';
import type { ListenerFactories } from './types.js';
import { createWsListener } from './ws.js';

/** Built-in listener types; options.listenerFactories adds more (e.g. 'tls', 'wss'). */
export const builtinListenerFactories: ListenerFactories = {
  tcp: createTcpListener,
  ws: createWsListener,
};
