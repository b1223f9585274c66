/** PUBLISH body (5.0 section 3.3, 3.1.1 section 3.3). The payload is a view into the packet bytes. */
import type { ProtocolVersion, QoS } from './constants.js';
import { protocolError } from './errors.js';
import type { PublishPacket } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { decodeAscii, decodeUtf8 } from './utf8.js';

/**
 * The Topic Name in one pass over the bytes: wildcards are refused [MQTT-3.3.2-2] (their bytes never occur
 * inside a multi-byte UTF-8 sequence), pure ASCII is sliced directly, anything else gets the full UTF-8 check.
 */
function decodeTopicName(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x23 || c === 0x2b) {
      throw protocolError(
        'INVALID_TOPIC_NAME',
        'publish.topic',
        `must not contain the wildcard '${String.fromCharCode(c)}'`,
      );
    }
    if (c >= 0x80 || c === 0) ascii = false;
  }
  return ascii ? decodeAscii(bytes, start, end) : decodeUtf8(bytes, start, end, 'publish.topic');
}

export function decodePublish(
  r: Reader,
  flags: number,
  version: ProtocolVersion,
  side: 'server' | 'client' | undefined,
): PublishPacket {
  const qos = (flags >> 1) & 0x03;
  // QoS 3 and DUP with QoS 0 are rejected by the fixed header check before we get here.
  const topicLen = r.u16('publish.topic');
  const bytes = r.bytes;
  const start = r.pos;
  const end = start + topicLen;
  if (end > r.end) r.take(topicLen, 'publish.topic');
  const topic = decodeTopicName(bytes, start, end);
  r.pos = end;
  let packetId: number | undefined;
  if (qos > 0) {
    packetId = r.u16('publish.packetId');
    if (packetId === 0)
      throw protocolError('INVALID_PACKET_ID', 'publish.packetId', 'must be non-zero for QoS > 0');
  }
  if (version === 5) {
    const properties = decodeProperties(r, 'publish');
    if (topicLen === 0 && properties?.topicAlias === undefined) {
      throw protocolError(
        'INVALID_TOPIC_NAME',
        'publish.topic',
        'empty Topic Name without a Topic Alias',
        0x82,
      );
    }
    if (properties?.subscriptionIdentifiers !== undefined && side === 'server') {
      throw protocolError(
        'PROTOCOL_VIOLATION',
        'publish.properties.subscriptionIdentifiers',
        'a Client must not send a Subscription Identifier',
      );
    }
    const packet: PublishPacket = {
      type: 'publish',
      topic,
      payload: r.rest(),
      qos: qos as QoS,
      retain: (flags & 0x01) !== 0,
      dup: (flags & 0x08) !== 0,
    };
    if (packetId !== undefined) packet.packetId = packetId;
    if (properties) packet.properties = properties;
    return packet;
  }
  if (topicLen === 0)
    throw protocolError('INVALID_TOPIC_NAME', 'publish.topic', 'must be at least one character long');
  if (packetId === undefined) {
    return { type: 'publish', topic, payload: r.rest(), qos: 0, retain: (flags & 0x01) !== 0, dup: false };
  }
  return {
    type: 'publish',
    topic,
    payload: r.rest(),
    qos: qos as QoS,
    retain: (flags & 0x01) !== 0,
    dup: (flags & 0x08) !== 0,
    packetId,
  };
}
