/** SUBSCRIBE body (5.0 section 3.8, 3.1.1 section 3.8). */
import type { ProtocolVersion, QoS } from './constants.js';
import { protocolError } from './errors.js';
import type { SubscribePacket, Subscription } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { isSharedSubscription } from './topic.js';

export function decodeSubscribe(r: Reader, version: ProtocolVersion): SubscribePacket {
  const packetId = r.packetId('subscribe.packetId');
  const properties = version === 5 ? decodeProperties(r, 'subscribe') : undefined;
  const subscriptions: Subscription[] = [];
  while (r.remaining > 0) {
    const topicFilter = r.topicFilter('subscribe.subscriptions.topicFilter', version === 5);
    const options = r.u8('subscribe.subscriptions.options');
    const reserved = version === 5 ? 0xc0 : 0xfc;
    if ((options & reserved) !== 0) {
      throw protocolError(
        'INVALID_SUBSCRIPTION_OPTIONS',
        'subscribe.subscriptions.options',
        'reserved bits must be 0',
      );
    }
    const qos = options & 0x03;
    if (qos === 3) throw protocolError('INVALID_QOS', 'subscribe.subscriptions.qos', 'QoS must not be 3');
    if (version < 5) {
      subscriptions.push({ topicFilter, qos: qos as QoS });
      continue;
    }
    const retainHandling = (options >> 4) & 0x03;
    if (retainHandling === 3) {
      throw protocolError(
        'PROTOCOL_VIOLATION',
        'subscribe.subscriptions.retainHandling',
        'Retain Handling must not be 3',
      );
    }
    const noLocal = (options & 0x04) !== 0;
    if (noLocal && isSharedSubscription(topicFilter)) {
      throw protocolError(
        'PROTOCOL_VIOLATION',
        'subscribe.subscriptions.noLocal',
        'No Local on a Shared Subscription',
      );
    }
    subscriptions.push({
      topicFilter,
      qos: qos as QoS,
      noLocal,
      retainAsPublished: (options & 0x08) !== 0,
      retainHandling: retainHandling as 0 | 1 | 2,
    });
  }
  if (subscriptions.length === 0) {
    throw protocolError('EMPTY_PAYLOAD', 'subscribe.subscriptions', 'must contain at least one Topic Filter');
  }
  const packet: SubscribePacket = { type: 'subscribe', packetId, subscriptions };
  if (properties) packet.properties = properties;
  return packet;
}
