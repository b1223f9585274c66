import { encodePacket, type ProtocolVersion, type PublishPacket, type PublishProperties } from '@mq/codec';
import { type Delivery, type Message, remainingExpiry } from './message.js';

/**
 * Encoded PUBLISH bytes per distinct outgoing form of one message, shared by every subscriber that gets
 * that form. QoS 1/2 forms are stored with packet id 0 and copied with the id patched in, which is far
 * cheaper than encoding again. Kept on the message itself, so it dies with it.
 */
const formCache = new WeakMap<Message, Map<string, Uint8Array>>();

const FORM_SLOT = Symbol('form slot');
const FORM_BYTES = Symbol('form bytes');
/** A message with its most common encoded form attached (symbol keys: invisible to the API and JSON). */
type CachedMessage = Message & { [FORM_SLOT]?: number; [FORM_BYTES]?: Uint8Array };

/** Limit on cached forms per message: subscription identifiers can make many distinct forms. */
const MAX_FORMS = 16;

export interface OutgoingAlias {
  alias: number;
  sendTopic: boolean;
}

/**
 * The encoded PUBLISH for a delivery without topic alias, shared by every subscriber that gets the same
 * form (QoS 1/2 forms carry packet id 1, to be replaced: see packetIdOffset). The common form (no expiry, no
 * subscription identifiers) is cached in one slot on the message itself, with no key to build; other
 * forms go through a keyed cache.
 */
export function deliveryTemplate(delivery: Delivery, version: ProtocolVersion, now: number): Uint8Array {
  const message = delivery.message as CachedMessage;
  const expiry = version === 5 ? remainingExpiry(message, now) : undefined;
  const subIds = version === 5 ? delivery.subscriptionIds : undefined;
  if (expiry === undefined && (subIds === undefined || subIds.length === 0)) {
    const slot = (version << 3) | (delivery.qos << 1) | (delivery.retain ? 1 : 0);
    if (message[FORM_SLOT] === slot) return message[FORM_BYTES] as Uint8Array;
    const bytes = encodeForm(
      delivery,
      version,
      delivery.qos > 0 ? 1 : undefined,
      false,
      undefined,
      undefined,
    );
    if (message[FORM_SLOT] === undefined) {
      message[FORM_SLOT] = slot;
      message[FORM_BYTES] = bytes;
    }
    return bytes;
  }
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
  return template;
}

export function encodeDelivery(
  delivery: Delivery,
  version: ProtocolVersion,
  packetId: number | undefined,
  dup: boolean,
  alias: OutgoingAlias | undefined,
  now: number,
): Uint8Array {
  if (alias !== undefined) {
    const expiry = version === 5 ? remainingExpiry(delivery.message, now) : undefined;
    return encodeForm(delivery, version, packetId, dup, alias, expiry);
  }
  const template = deliveryTemplate(delivery, version, now);
  if (packetId === undefined) return template;
  return copyWithPacketId(template, packetIdOffset(template), packetId, dup);
}

/** A copy of a shared encoded packet (a delivery template, an ack) with its own packet id (and DUP) in it. */
export function copyWithPacketId(
  template: Uint8Array,
  offset: number,
  packetId: number,
  dup: boolean,
): Uint8Array {
  const out = Buffer.allocUnsafe(template.length);
  out.set(template);
  patchPacketId(out, 0, offset, packetId, dup);
  return out;
}

/** Where the packet id of an encoded QoS 1/2 PUBLISH sits: after the remaining length and the topic. */
export function packetIdOffset(publish: Uint8Array): number {
  let at = 1;
  while ((publish[at++] as number) & 0x80);
  return at + 2 + (((publish[at] as number) << 8) | (publish[at + 1] as number));
}

/** Writes a packet id (and the DUP flag of a PUBLISH) into a packet encoded at `start` of `out`. */
export function patchPacketId(
  out: Uint8Array,
  start: number,
  offset: number,
  packetId: number,
  dup: boolean,
): void {
  out[start + offset] = packetId >> 8;
  out[start + offset + 1] = packetId & 0xff;
  if (dup) out[start] = (out[start] as number) | 0x08;
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
