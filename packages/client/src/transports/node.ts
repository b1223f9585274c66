import { ClientErrorCode, MqttClientError } from '../errors.js';
import { tcpTransport } from './tcp.js';
import { tlsTransport } from './tls.js';
import type { TransportFactory } from './types.js';
import { wsNodeTransport } from './ws-node.js';

/** Node: picks the transport from the URL scheme. */
export const nodeTransport: TransportFactory = (url, options, handlers) => {
  switch (url.protocol) {
    case 'mqtt:':
    case 'tcp:':
      return tcpTransport(url, options, handlers);
    case 'mqtts:':
    case 'ssl:':
    case 'tls:':
      return tlsTransport(url, options, handlers);
    case 'ws:':
    case 'wss:':
      return wsNodeTransport(url, options, handlers);
    default:
      return Promise.reject(
        new MqttClientError(ClientErrorCode.ConnectFailed, `unsupported URL scheme ${url.protocol}`),
      );
  }
};
