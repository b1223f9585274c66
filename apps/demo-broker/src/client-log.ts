import type { Broker, ClientInfo, DisconnectInfo } from '@mq/broker';
import type { Logger } from './logger.js';

/** Names of the reason codes a connection can end with, for people reading the log. */
export const DISCONNECT_REASONS: Readonly<Record<number, string>> = {
  0: 'normal disconnection',
  4: 'disconnect with will message',
  128: 'unspecified error',
  129: 'malformed packet',
  130: 'protocol error',
  131: 'implementation specific error',
  135: 'not authorized',
  137: 'server busy',
  139: 'server shutting down',
  141: 'keep alive timeout',
  142: 'session taken over',
  143: 'topic filter invalid',
  144: 'topic name invalid',
  147: 'receive maximum exceeded',
  148: 'topic alias invalid',
  149: 'packet too large',
  150: 'message rate too high',
  151: 'quota exceeded',
  152: 'administrative action',
  153: 'payload format invalid',
} as const;

export function describeDisconnect(info: DisconnectInfo): string {
  const name = DISCONNECT_REASONS[info.reasonCode] ?? 'reason';
  const code = `0x${info.reasonCode.toString(16).padStart(2, '0')}`;
  const by = { client: 'client sent DISCONNECT', server: 'closed by the broker', network: 'connection lost' }[
    info.by
  ];
  return `${by}: ${name} (${code})${info.error ? `: ${info.error.message}` : ''}`;
}

function clientFields(client: ClientInfo) {
  return {
    clientId: client.clientId,
    ...(client.username !== undefined ? { username: client.username } : {}),
    protocolVersion: client.protocolVersion,
    listener: client.listener,
    remote: client.remoteAddress,
  };
}

/**
 * One line per connect, disconnect (with its reason) and client error; nothing per message at info.
 * Listeners are attached only for the levels that will print: with none the broker skips building the
 * event's client details (per connection, and per message for 'publish').
 */
export function logClientEvents(broker: Pick<Broker, 'on'>, logger: Logger): void {
  if (logger.isLevelEnabled('info')) logConnections(broker, logger);
  broker.on('clientError', (client, error) => {
    const who = client ? `client ${client.clientId}` : 'connection before CONNECT';
    logger.warn({ ...(client ? clientFields(client) : {}), err: error }, `${who}: ${error.message}`);
  });
  if (logger.isLevelEnabled('trace')) {
    broker.on('publish', (message, client) => {
      logger.trace({ topic: message.topic, qos: message.qos, clientId: client?.clientId }, 'publish');
    });
  }
}

function logConnections(broker: Pick<Broker, 'on'>, logger: Logger): void {
  broker.on('client', (client, sessionPresent) => {
    const version =
      { 3: '3.1', 4: '3.1.1', 5: '5' }[client.protocolVersion] ?? String(client.protocolVersion);
    const from = client.remoteAddress ? ` from ${client.remoteAddress}` : '';
    logger.info(
      { ...clientFields(client), sessionPresent },
      `client ${client.clientId} connected (MQTT ${version} over ${client.listener}${from})`,
    );
  });
  broker.on('clientDisconnect', (client, reason) => {
    logger.info(
      { ...clientFields(client), by: reason.by, reasonCode: reason.reasonCode },
      `client ${client.clientId} disconnected: ${describeDisconnect(reason)}`,
    );
  });
}
