/** SUBSCRIBE: exact length (with the sender-side checks), then write. */
import type { ProtocolVersion } from './constants.js';
import { checkPacketId, checkQos, type Sizes, topicFilterLength } from './encode-common.js';
import { protocolError } from './errors.js';
import type { SubscribePacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { isSharedSubscription } from './topic.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

export function subscribeLength(p: SubscribePacket, version: ProtocolVersion, sizes: Sizes): number {
  checkPacketId(p.packetId, 'subscribe.packetId');
  const subs = p.subscriptions;
  if (!Array.isArray(subs) || subs.length === 0) {
    throw protocolError('EMPTY_PAYLOAD', 'subscribe.subscriptions', 'must contain at least one Topic Filter');
  }
  let n = 2;
  if (version === 5) {
    sizes.props = propertiesLength(p.properties, 'subscribe');
    n += varintLength(sizes.props) + sizes.props;
  }
  for (const s of subs) {
    n += topicFilterLength(s.topicFilter, version, 'subscribe.subscriptions.topicFilter') + 1;
    checkQos(s.qos, 'subscribe.subscriptions.qos');
    if (version === 5) {
      const rh = s.retainHandling ?? 0;
      if (rh !== 0 && rh !== 1 && rh !== 2) {
        throw protocolError(
          'PROTOCOL_VIOLATION',
          'subscribe.subscriptions.retainHandling',
          `must be 0, 1 or 2, got ${String(rh)}`,
        );
      }
      if (s.noLocal && isSharedSubscription(s.topicFilter)) {
        throw protocolError(
          'PROTOCOL_VIOLATION',
          'subscribe.subscriptions.noLocal',
          'No Local on a Shared Subscription',
        );
      }
    }
  }
  return n;
}

export function writeSubscribe(w: Writer, p: SubscribePacket, version: ProtocolVersion, sizes: Sizes): void {
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, sizes.props);
  for (const s of p.subscriptions) {
    w.utf8(s.topicFilter);
    let options: number = s.qos;
    if (version === 5) {
      if (s.noLocal) options |= 0x04;
      if (s.retainAsPublished) options |= 0x08;
      options |= (s.retainHandling ?? 0) << 4;
    }
    w.u8(options);
  }
}
