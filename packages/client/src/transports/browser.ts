import { ClientErrorCode, MqttClientError } from '../errors.js';
import type { TransportFactory } from './types.js';
import { wsBrowserTransport } from './ws-browser.js';

/** Browsers can only open WebSockets: `ws://` and `wss://`. */
export const browserTransport: TransportFactory = (url, options, handlers) => {
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return wsBrowserTransport(url, options, handlers);
  return Promise.reject(
    new MqttClientError(
      ClientErrorCode.ConnectFailed,
      `browsers support only ws:// and wss:// URLs, not ${url.protocol}`,
    ),
  );
};
