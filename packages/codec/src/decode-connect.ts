/** CONNECT body (5.0 section 3.1, 3.1.1 section 3.1, 3.1 "MQIsdp"). */
import type { ProtocolVersion, QoS } from './constants.js';
import { protocolError } from './errors.js';
import type { ConnectPacket, Will } from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { topicNameProblem } from './topic.js';

/**
 * The protocol level of a CONNECT body, or undefined when it cannot be read or is not 3, 4 or 5. Lets the
 * decoder learn the version before the rest of the CONNECT is validated, so a server can answer a broken
 * CONNECT in the client's version.
 */
export function peekConnectLevel(bytes: Uint8Array, start: number, end: number): ProtocolVersion | undefined {
  if (end - start < 2) return undefined;
  const at = start + 2 + ((bytes[start]! << 8) | bytes[start + 1]!);
  const level = at < end ? bytes[at] : undefined;
  return level === 3 || level === 4 || level === 5 ? level : undefined;
}

export function decodeConnect(r: Reader): ConnectPacket {
  const protocolName = r.utf8('connect.protocolName');
  if (protocolName !== 'MQTT' && protocolName !== 'MQIsdp') {
    throw protocolError(
      'INVALID_PROTOCOL_NAME',
      'connect.protocolName',
      `unknown protocol name '${protocolName}'`,
    );
  }
  const level = r.u8('connect.protocolVersion');
  if (level !== 3 && level !== 4 && level !== 5) {
    throw protocolError(
      'UNSUPPORTED_PROTOCOL_VERSION',
      'connect.protocolVersion',
      `unsupported level ${level}`,
    );
  }
  if ((level === 3) !== (protocolName === 'MQIsdp')) {
    throw protocolError(
      'UNSUPPORTED_PROTOCOL_VERSION',
      'connect.protocolVersion',
      `level ${level} does not match protocol name '${protocolName}'`,
    );
  }
  const version: ProtocolVersion = level;
  const flags = r.u8('connect.flags');
  if ((flags & 0x01) !== 0) {
    throw protocolError('INVALID_CONNECT_FLAGS', 'connect.flags', 'reserved bit 0 must be 0');
  }
  const willFlag = (flags & 0x04) !== 0;
  const willQos = (flags >> 3) & 0x03;
  const willRetain = (flags & 0x20) !== 0;
  const passwordFlag = (flags & 0x40) !== 0;
  const usernameFlag = (flags & 0x80) !== 0;
  if (willQos === 3) throw protocolError('INVALID_QOS', 'connect.will.qos', 'Will QoS must not be 3');
  if (!willFlag && (willQos !== 0 || willRetain)) {
    throw protocolError(
      'INVALID_CONNECT_FLAGS',
      'connect.flags',
      'Will QoS and Will Retain must be 0 without the Will Flag',
    );
  }
  if (version < 5 && passwordFlag && !usernameFlag) {
    throw protocolError('INVALID_CONNECT_FLAGS', 'connect.flags', 'Password Flag set without User Name Flag');
  }
  const keepAlive = r.u16('connect.keepAlive');
  const properties = version === 5 ? decodeProperties(r, 'connect') : undefined;
  const clientId = r.utf8('connect.clientId');
  const packet: ConnectPacket = {
    type: 'connect',
    protocolVersion: version,
    protocolName,
    clientId,
    cleanStart: (flags & 0x02) !== 0,
    keepAlive,
  };
  if (willFlag) {
    const willProperties = version === 5 ? decodeProperties(r, 'will') : undefined;
    const topic = r.utf8('connect.will.topic');
    const problem = topicNameProblem(topic);
    if (problem) throw protocolError('INVALID_TOPIC_NAME', 'connect.will.topic', problem);
    const will: Will = {
      topic,
      payload: r.binary('connect.will.payload'),
      qos: willQos as QoS,
      retain: willRetain,
    };
    if (willProperties) will.properties = willProperties;
    packet.will = will;
  }
  if (usernameFlag) packet.username = r.utf8('connect.username');
  if (passwordFlag) packet.password = r.binary('connect.password');
  if (properties) packet.properties = properties;
  r.done('connect');
  return packet;
}
