/** CONNECT: exact length (with the sender-side checks), then write. The packet carries its own version. */
import { checkQos, checkUint16, type Sizes } from './encode-common.js';
import { protocolError } from './errors.js';
import type { ConnectPacket } from './packets.js';
import { binaryLength, propertiesLength, stringLength, writeProperties } from './properties.js';
import { topicNameProblem } from './topic.js';
import { varintLength } from './varint.js';
import type { Writer } from './writer.js';

function protocolName(p: ConnectPacket): 'MQTT' | 'MQIsdp' {
  const expected = p.protocolVersion === 3 ? 'MQIsdp' : 'MQTT';
  if (p.protocolName !== undefined && p.protocolName !== expected) {
    throw protocolError(
      'INVALID_PROTOCOL_NAME',
      'connect.protocolName',
      `version ${p.protocolVersion} uses '${expected}', got '${String(p.protocolName)}'`,
    );
  }
  return expected;
}

export function connectLength(p: ConnectPacket, sizes: Sizes): number {
  const version = p.protocolVersion;
  if (version !== 3 && version !== 4 && version !== 5) {
    throw protocolError(
      'UNSUPPORTED_PROTOCOL_VERSION',
      'connect.protocolVersion',
      `unsupported ${String(version)}`,
    );
  }
  checkUint16(p.keepAlive, 'connect.keepAlive');
  let n = 2 + protocolName(p).length + 1 + 1 + 2;
  if (version === 5) {
    sizes.props = propertiesLength(p.properties, 'connect');
    n += varintLength(sizes.props) + sizes.props;
  }
  n += 2 + stringLength(p.clientId, 'connect.clientId');
  const will = p.will;
  if (will) {
    checkQos(will.qos, 'connect.will.qos');
    const problem = topicNameProblem(will.topic);
    if (problem) throw protocolError('INVALID_TOPIC_NAME', 'connect.will.topic', problem);
    if (version === 5) {
      sizes.willProps = propertiesLength(will.properties, 'will');
      n += varintLength(sizes.willProps) + sizes.willProps;
    }
    n +=
      2 +
      stringLength(will.topic, 'connect.will.topic') +
      2 +
      binaryLength(will.payload, 'connect.will.payload');
  }
  if (p.username !== undefined) n += 2 + stringLength(p.username, 'connect.username');
  if (p.password !== undefined) {
    if (version < 5 && p.username === undefined) {
      throw protocolError(
        'INVALID_CONNECT_FLAGS',
        'connect.password',
        'a password needs a username before 5.0',
      );
    }
    n += 2 + binaryLength(p.password, 'connect.password');
  }
  return n;
}

export function writeConnect(w: Writer, p: ConnectPacket, sizes: Sizes): void {
  const version = p.protocolVersion;
  w.utf8(version === 3 ? 'MQIsdp' : 'MQTT');
  w.u8(version);
  const will = p.will;
  let flags = p.cleanStart ? 0x02 : 0;
  if (will) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
  if (p.password !== undefined) flags |= 0x40;
  if (p.username !== undefined) flags |= 0x80;
  w.u8(flags);
  w.u16(p.keepAlive);
  if (version === 5) writeProperties(w, p.properties, sizes.props);
  w.utf8(p.clientId);
  if (will) {
    if (version === 5) writeProperties(w, will.properties, sizes.willProps);
    w.utf8(will.topic);
    w.binary(will.payload);
  }
  if (p.username !== undefined) w.utf8(p.username);
  if (p.password !== undefined) w.binary(p.password);
}
