import { encodePacket, type ProtocolVersion, type PublishPacket, type PublishProperties } from '@mq/codec';
import { type Delivery, type Message, remainingExpiry } from './message.js';

/**
 * Encoded PUBLISH bytes per distinct outgoing form of one message, shared by every subscriber that gets
 * that form. QoS 1/2 forms are stored with packet id 0 and copied with the id patched in, which is far
 * cheaper than encoding again. Kept on the message itself, so it dies with it.
 */
const formCache = new WeakMap<Message, Map<string, Uint8Array>>();

/** Limit on cached forms per message: subscription identifiers can make many distinct forms. */
const MAX_FORMS = 16;

export interface OutgoingAlias {
  alias: number;
  sendTopic: boolean;
}

export function encodeDelivery(
  delivery: Delivery,
  version: ProtocolVersion,
  packetId: number | undefined,
  dup: boolean,
  alias: OutgoingAlias | undefined,
  now: number,
): Uint8Array {
  const { message } = delivery;
  const expiry = version === 5 ? remainingExpiry(message, now) : undefined;
  if (alias !== undefined) return encodeForm(delivery, version, packetId, dup, alias, expiry);

  const subIds = version === 5 ? delivery.subscriptionIds : undefined;
  const key = `${version}|${delivery.qos}|${delivery.retain ? 1 : 0}|${expiry ?? ''}|${subIds?.join(',') ?? ''}`;
  let forms = formCache.get(message);
  let template = forms?.get(key);
  if (template === undefined) {
    template = encodeForm(delivery, version, delivery.qos > 0 ? 1 : undefined, false, undefined, expiry);
    if (forms === undefined) {
      forms = new Map();
      formCache.set(message, forms);
    }
    if (forms.size < MAX_FORMS) forms.set(key, template);
  }
  if (packetId === undefined) return template;
  return withPacketId(template, packetId, dup);
}

function encodeForm(
  delivery: Delivery,
  version: ProtocolVersion,
  packetId: number | undefined,
  dup: boolean,
  alias: OutgoingAlias | undefined,
  expiry: number | undefined,
): Uint8Array {
  const { message } = delivery;
  const packet: PublishPacket = {
    type: 'publish',
    topic: alias && !alias.sendTopic ? '' : message.topic,
    payload: message.payload,
    qos: delivery.qos,
    retain: delivery.retain,
    dup,
  };
  if (packetId !== undefined) packet.packetId = packetId;
  if (version === 5) {
    const properties: PublishProperties = { ...message.properties };
    if (expiry !== undefined) properties.messageExpiryInterval = expiry;
    if (delivery.subscriptionIds && delivery.subscriptionIds.length > 0) {
      properties.subscriptionIdentifiers = delivery.subscriptionIds;
    }
    if (alias) properties.topicAlias = alias.alias;
    if (Object.keys(properties).length > 0) packet.properties = properties;
  }
  return encodePacket(packet, version);
}

/** Copies an encoded QoS 1/2 PUBLISH with its packet id and DUP flag replaced. */
function withPacketId(template: Uint8Array, packetId: number, dup: boolean): Uint8Array {
  const out = new Uint8Array(template.length);
  out.set(template);
  // Skip the fixed header's remaining-length varint, then the topic, to reach the packet id.
  let at = 1;
  while ((out[at++] as number) & 0x80);
  const topicLength = ((out[at] as number) << 8) | (out[at + 1] as number);
  at += 2 + topicLength;
  out[at] = packetId >> 8;
  out[at + 1] = packetId & 0xff;
  if (dup) out[0] = (out[0] as number) | 0x08;
  return out;
}
