/** UNSUBSCRIBE body (5.0 section 3.10, 3.1.1 section 3.10). */
import type { ProtocolVersion } from './constants.js';
import { protocolError } from './errors.js';
import type { UnsubscribePacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

export function decodeUnsubscribe(r: Reader, version: ProtocolVersion): UnsubscribePacket {
  const packetId = r.packetId('unsubscribe.packetId');
  const properties = version === 5 ? decodeProperties(r, 'unsubscribe') : undefined;
  const topicFilters: string[] = [];
  while (r.remaining > 0) {
    topicFilters.push(r.topicFilter('unsubscribe.topicFilters', version === 5));
  }
  if (topicFilters.length === 0) {
    throw protocolError(
      'EMPTY_PAYLOAD',
      'unsubscribe.topicFilters',
      'must contain at least one Topic Filter',
    );
  }
  const packet: UnsubscribePacket = { type: 'unsubscribe', packetId, topicFilters };
  if (properties) packet.properties = properties;
  return packet;
}
