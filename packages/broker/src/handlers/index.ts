import type { Packet } from '@mq/codec';
import type { Connection } from '../connection.js';
import { protocolViolation } from '../errors.js';
import { handleAuth, hasPendingExchange } from './auth.js';
import { handleConnect } from './connect.js';
import { handleDisconnect } from './disconnect.js';
import { handlePingreq } from './pingreq.js';
import { handlePuback } from './puback.js';
import { handlePubcomp } from './pubcomp.js';
import { handlePublish } from './publish.js';
import { handlePubrec } from './pubrec.js';
import { handlePubrel } from './pubrel.js';
import { handleSubscribe } from './subscribe.js';
import { handleUnsubscribe } from './unsubscribe.js';

/**
 * Routes one inbound packet to its handler after checking the connection state. A returned promise
 * holds back the next packet of this connection until it settles, so async hooks keep packet order.
 */
export function dispatch(conn: Connection, packet: Packet): void | Promise<void> {
  if (conn.state === 'awaiting-connect') {
    // The first packet must be CONNECT [MQTT-3.1.0-1]; nothing else is processed before it [MQTT-3.1.4-5],
    // except the AUTH replies of an enhanced authentication exchange [MQTT-3.1.2-30].
    if (hasPendingExchange(conn)) {
      if (packet.type === 'auth') return handleAuth(conn, packet);
      throw protocolViolation(`${packet.type} during enhanced authentication`);
    }
    if (packet.type !== 'connect') throw protocolViolation(`${packet.type} before CONNECT`);
    return handleConnect(conn, packet);
  }
  switch (packet.type) {
    case 'connect':
      // A second CONNECT is a protocol violation [MQTT-3.1.0-2].
      throw protocolViolation('second CONNECT');
    case 'publish':
      return handlePublish(conn, packet);
    case 'puback':
      return handlePuback(conn, packet);
    case 'pubrec':
      return handlePubrec(conn, packet);
    case 'pubrel':
      return handlePubrel(conn, packet);
    case 'pubcomp':
      return handlePubcomp(conn, packet);
    case 'subscribe':
      return handleSubscribe(conn, packet);
    case 'unsubscribe':
      return handleUnsubscribe(conn, packet);
    case 'pingreq':
      return handlePingreq(conn);
    case 'disconnect':
      return handleDisconnect(conn, packet);
    case 'auth':
      return handleAuth(conn, packet);
    default:
      // CONNACK, SUBACK, UNSUBACK and PINGRESP only travel from server to client.
      throw protocolViolation(`a client must not send ${packet.type}`);
  }
}
