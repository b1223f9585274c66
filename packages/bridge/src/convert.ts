import type { Message as LocalMessage } from '@mq/broker';
import type { PublishOptions, Message as RemoteMessage } from '@mq/client';
import type { QoS } from './mapping.js';

type Properties = NonNullable<PublishOptions['properties']>;

/** A local message as the remote PUBLISH options, or undefined when it expired before leaving. */
export function toRemotePublish(
  message: LocalMessage,
  maxQos: QoS,
  protocolVersion: 4 | 5,
  now: number,
): PublishOptions | undefined {
  const options: PublishOptions = {
    qos: message.qos < maxQos ? message.qos : maxQos,
    retain: message.retain,
  };
  let expiry: number | undefined;
  if (message.expiresAt !== undefined) {
    expiry = Math.ceil((message.expiresAt - now) / 1000);
    if (expiry <= 0) return undefined;
  }
  // MQTT 3.1.1 carries no properties; the expiry is then only honoured on this side.
  if (protocolVersion === 5) {
    const properties: Properties = { ...message.properties };
    // Per-hop properties never cross a hop; the broker already dropped them, this is a guard.
    delete properties.topicAlias;
    delete properties.subscriptionIdentifiers;
    if (expiry !== undefined) properties.messageExpiryInterval = expiry;
    if (Object.keys(properties).length > 0) options.properties = properties;
  }
  return options;
}

/** A remote message as the local broker routes it (expiry as a deadline, per-hop properties dropped). */
export function toLocalMessage(message: RemoteMessage, topic: string, now: number): LocalMessage {
  const local: LocalMessage = {
    topic,
    payload: message.payload,
    qos: message.qos,
    retain: message.retain,
  };
  if (message.properties) {
    const {
      topicAlias: _alias,
      subscriptionIdentifiers: _ids,
      messageExpiryInterval,
      ...rest
    } = message.properties;
    if (messageExpiryInterval !== undefined) local.expiresAt = now + messageExpiryInterval * 1000;
    if (Object.keys(rest).length > 0) local.properties = rest;
  }
  return local;
}
