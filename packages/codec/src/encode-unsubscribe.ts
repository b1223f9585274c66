/** UNSUBSCRIBE: exact length (with the sender-side checks), then write. */
import type { ProtocolVersion } from './constants.js';
import { checkPacketId, type Sizes, topicFilterLength } from './encode-common.js';
import { protocolError } from './errors.js';
import type { UnsubscribePacket } from './packets.js';
import { propertiesLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

export function unsubscribeLength(p: UnsubscribePacket, version: ProtocolVersion, sizes: Sizes): number {
  checkPacketId(p.packetId, 'unsubscribe.packetId');
  const filters = p.topicFilters;
  if (!Array.isArray(filters) || filters.length === 0) {
    throw protocolError(
      'EMPTY_PAYLOAD',
      'unsubscribe.topicFilters',
      'must contain at least one Topic Filter',
    );
  }
  let n = 2;
  if (version === 5) {
    sizes.props = propertiesLength(p.properties, 'unsubscribe');
    n += varintLength(sizes.props) + sizes.props;
  }
  for (const f of filters) n += topicFilterLength(f, version, 'unsubscribe.topicFilters');
  return n;
}

export function writeUnsubscribe(
  w: Writer,
  p: UnsubscribePacket,
  version: ProtocolVersion,
  sizes: Sizes,
): void {
  w.u16(p.packetId);
  if (version === 5) writeProperties(w, p.properties, sizes.props);
  for (const f of p.topicFilters) w.utf8(f);
}
