/** PUBLISH: exact length (with the sender-side checks), then write. */
import type { ProtocolVersion } from './constants.js';
import { checkPacketId, checkQos, type Sizes } from './encode-common.js';
import { protocolError } from './errors.js';
import type { PublishPacket } from './packets.js';
import { propertiesLength, stringLength, writeProperties } from './properties.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

export function publishFlags(p: PublishPacket): number {
  return (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 0x01 : 0);
}

/** UTF-8 length of a Topic Name, checked for wildcards [MQTT-3.3.2-2] (and by stringLength for UTF-8). */
function topicNameLength(topic: string): number {
  const n = stringLength(topic, 'publish.topic');
  const wildcard = topic.indexOf('+') !== -1 ? '+' : topic.indexOf('#') !== -1 ? '#' : undefined;
  if (wildcard)
    throw protocolError('INVALID_TOPIC_NAME', 'publish.topic', `must not contain the wildcard '${wildcard}'`);
  return n;
}

export function publishLength(p: PublishPacket, version: ProtocolVersion, sizes: Sizes): number {
  const qos = p.qos;
  checkQos(qos, 'publish.qos');
  if (p.dup && qos === 0) throw protocolError('RESERVED_FLAGS', 'publish.dup', 'DUP must be 0 for QoS 0');
  const topic = p.topic;
  sizes.topic = topicNameLength(topic);
  let n = 2 + sizes.topic;
  if (qos > 0) {
    checkPacketId(p.packetId, 'publish.packetId');
    n += 2;
  }
  if (version === 5) {
    const props = p.properties;
    if (topic.length === 0 && props?.topicAlias === undefined) {
      throw protocolError(
        'INVALID_TOPIC_NAME',
        'publish.topic',
        'empty Topic Name without a Topic Alias',
        0x82,
      );
    }
    const len = props === undefined ? 0 : propertiesLength(props, 'publish');
    sizes.props = len;
    n += varintLength(len) + len;
  } else if (topic.length === 0) {
    throw protocolError('INVALID_TOPIC_NAME', 'publish.topic', 'must be at least one character long');
  }
  const payload = p.payload;
  if (!(payload instanceof Uint8Array)) throw new TypeError('publish.payload: expected a Uint8Array');
  return n + payload.length;
}

export function writePublish(w: Writer, p: PublishPacket, version: ProtocolVersion, sizes: Sizes): void {
  w.utf8(p.topic, sizes.topic);
  if (p.qos > 0) w.u16(p.packetId!);
  if (version === 5) writeProperties(w, p.properties, sizes.props);
  w.raw(p.payload);
}
