import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  MqttProtocolError,
  PacketDecoder,
  type ProtocolErrorCodeName,
  type Side,
} from '../src/index.js';
import { hexBytes, toHex } from './fixtures.js';
import { frame } from './helpers.js';

const MQTT4 = '00044d515454 04';
const MQTT5 = '00044d515454 05';

interface Row {
  title: string;
  version: 3 | 4 | 5;
  hex: string;
  code: ProtocolErrorCodeName;
  reasonCode: number;
  side?: Side;
  field?: string;
}

const rows: Row[] = [
  // Fixed header flags and packet types
  {
    title: '[MQTT-2.1.3-1] PUBACK with reserved flag bits set',
    version: 5,
    hex: '41020001',
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
    field: 'puback.flags',
  },
  {
    title: '[MQTT-2.2.2-1] [MQTT-2.2.2-2] PINGREQ with reserved flag bits set',
    version: 4,
    hex: 'c100',
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.6.1-1] PUBREL with flags 0000 instead of 0010',
    version: 4,
    hex: '60020001',
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.8.1-1] SUBSCRIBE with flags 0000',
    version: 4,
    hex: frame('80', '0001 000161 00'),
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.10.1-1] UNSUBSCRIBE with flags 0000',
    version: 5,
    hex: frame('a0', '0001 00 000161'),
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.14.1-1] DISCONNECT with reserved flag bits set',
    version: 5,
    hex: 'e200',
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.15.1-1] AUTH with reserved flag bits set',
    version: 5,
    hex: 'f100',
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.3.1-4] PUBLISH with both QoS bits set',
    version: 4,
    hex: frame('36', '000161 0001'),
    code: 'INVALID_QOS',
    reasonCode: 0x81,
    field: 'publish.qos',
  },
  {
    title: '[MQTT-3.3.1-2] PUBLISH QoS 0 with DUP set',
    version: 5,
    hex: frame('38', '000161 00'),
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
    field: 'publish.dup',
  },
  {
    title: 'packet type 0 is forbidden',
    version: 4,
    hex: '0000',
    code: 'INVALID_PACKET_TYPE',
    reasonCode: 0x81,
  },
  {
    title: 'AUTH (type 15) is reserved before 5.0',
    version: 4,
    hex: 'f000',
    code: 'INVALID_PACKET_TYPE',
    reasonCode: 0x81,
  },

  // The same fixed-header and CONNECT rules in the other version
  {
    title: '[MQTT-3.3.1-4] PUBLISH with both QoS bits set (5.0)',
    version: 5,
    hex: frame('36', '000161 0001 00'),
    code: 'INVALID_QOS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.6.1-1] PUBREL with flags 0000 (5.0)',
    version: 5,
    hex: '60020001',
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.8.1-1] SUBSCRIBE with flags 0011 (5.0)',
    version: 5,
    hex: frame('83', '0001 00 000161 00'),
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.10.1-1] UNSUBSCRIBE with flags 0110 (3.1.1)',
    version: 4,
    hex: frame('a6', '0001 000161'),
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.14.1-1] DISCONNECT with reserved flag bits set (3.1.1)',
    version: 4,
    hex: 'e100',
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-1] protocol name other than MQTT (3.1.1)',
    version: 4,
    hex: frame('10', '00046d717474 04 02 003c 000161'),
    code: 'INVALID_PROTOCOL_NAME',
    reasonCode: 0x84,
  },
  {
    title: '[MQTT-3.1.2-2] unsupported protocol level 7 (5.0)',
    version: 5,
    hex: frame('10', '00044d515454 07 02 003c 00 000161'),
    code: 'UNSUPPORTED_PROTOCOL_VERSION',
    reasonCode: 0x84,
  },
  {
    title: '[MQTT-3.8.3-1] topic filter with an encoded surrogate (5.0)',
    version: 5,
    hex: frame('82', '0001 00 0003 eda080 00'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.10.3-1] unsubscribe topic filter with ill-formed UTF-8 (5.0)',
    version: 5,
    hex: frame('a2', '0001 00 0001 fe'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },

  // Variable Byte Integers
  {
    title: '[MQTT-1.5.5-1] Remaining Length not minimally encoded',
    version: 5,
    hex: 'c08000',
    code: 'MALFORMED_VARINT',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.5-1] Remaining Length of 5 bytes',
    version: 5,
    hex: 'c0ffffffff01',
    code: 'MALFORMED_VARINT',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.5-1] Property Length not minimally encoded',
    version: 5,
    hex: frame('40', '0001 00 8000'),
    code: 'MALFORMED_VARINT',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.5-1] Subscription Identifier not minimally encoded',
    version: 5,
    hex: frame('30', '000161 03 0b8100'),
    code: 'MALFORMED_VARINT',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.5-1] Subscription Identifier longer than 4 bytes',
    version: 5,
    hex: frame('30', '000161 06 0b8181818101'),
    code: 'MALFORMED_VARINT',
    reasonCode: 0x81,
  },

  // UTF-8 Encoded Strings
  {
    title: '[MQTT-1.5.4-1] [MQTT-3.3.2-1] topic with an encoded surrogate (ED A0 80)',
    version: 5,
    hex: frame('30', '0003 eda080 00'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
    field: 'publish.topic',
  },
  {
    title: '[MQTT-1.5.4-1] topic with an overlong encoding (C0 AF)',
    version: 5,
    hex: frame('30', '0002 c0af 00'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.4-1] topic with a code point above U+10FFFF',
    version: 5,
    hex: frame('30', '0004 f4908080 00'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.4-2] [MQTT-4.7.3-2] topic containing U+0000',
    version: 5,
    hex: frame('30', '0002 6100 00'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.3-1] topic with a truncated multi-byte sequence',
    version: 4,
    hex: frame('30', '0002 61e2'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.3-1] topic with a stray continuation byte',
    version: 4,
    hex: frame('30', '0002 6180'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-1.5.3-2] client identifier containing U+0000',
    version: 4,
    hex: frame('10', `${MQTT4} 02 003c 0002 6100`),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
    field: 'connect.clientId',
  },
  {
    title: '[MQTT-1.5.7-1] user property name with ill-formed UTF-8',
    version: 5,
    hex: frame('40', '0001 00 07 260001ff000161'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
    field: 'puback.properties.userProperties',
  },
  {
    title: '[MQTT-3.1.3-4] client identifier with ill-formed UTF-8',
    version: 5,
    hex: frame('10', `${MQTT5} 02 003c 00 0001 ff`),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.3-12] user name with ill-formed UTF-8',
    version: 5,
    hex: frame('10', `${MQTT5} 82 003c 00 000161 0001 ff`),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
    field: 'connect.username',
  },
  {
    title: '[MQTT-3.1.3-11] user name with ill-formed UTF-8 (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 82 003c 000161 0001 ff`),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
    field: 'connect.username',
  },
  {
    title: '[MQTT-3.1.3-4] client identifier with ill-formed UTF-8 (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 02 003c 0002 c0af`),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
    field: 'connect.clientId',
  },
  {
    title: '[MQTT-3.3.2-13] Response Topic with ill-formed UTF-8',
    version: 5,
    hex: frame('30', '000161 04 080001ff'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
    field: 'publish.properties.responseTopic',
  },
  {
    title: '[MQTT-3.8.3-1] topic filter with ill-formed UTF-8',
    version: 4,
    hex: frame('82', '0001 0001 ff 00'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.10.3-1] [MQTT-4.7.3-2] unsubscribe topic filter containing U+0000',
    version: 4,
    hex: frame('a2', '0001 0002 6100'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.3.2-19] content type with ill-formed UTF-8',
    version: 5,
    hex: frame('30', '000161 04 030001ff'),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },

  // Remaining Length vs content
  {
    title: 'PUBACK with a trailing byte (3.1.1)',
    version: 4,
    hex: frame('40', '0001 00'),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  {
    title: 'PUBLISH topic length running past the packet',
    version: 4,
    hex: frame('30', '0005 616263'),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
    field: 'publish.topic',
  },
  {
    title: 'PUBLISH QoS 1 without room for the packet identifier',
    version: 4,
    hex: frame('32', '000161 00'),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  { title: 'PINGREQ with a body', version: 4, hex: 'c00100', code: 'MALFORMED_LENGTH', reasonCode: 0x81 },
  {
    title: 'DISCONNECT with a body (3.1.1)',
    version: 4,
    hex: 'e00100',
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  {
    title: 'CONNACK with a trailing byte (3.1.1)',
    version: 4,
    hex: frame('20', '00 00 00'),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  {
    title: 'UNSUBACK with a trailing byte (3.1.1)',
    version: 4,
    hex: frame('b0', '0001 00'),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  {
    title: 'Property Length larger than the rest of the packet',
    version: 5,
    hex: frame('40', '0001 00 09 1f'),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  {
    title: 'property value truncated by the Property Length',
    version: 5,
    hex: frame('40', '0001 00 02 1f00 00'),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-17] User Name Flag set but no user name (5.0)',
    version: 5,
    hex: frame('10', `${MQTT5} 82 003c 00 000161`),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
    field: 'connect.username',
  },
  {
    title: '[MQTT-3.1.2-21] Password Flag set but no password (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} c2 003c 000161 000175`),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
    field: 'connect.password',
  },
  {
    title: '[MQTT-3.1.2-16] user name present without the User Name Flag (5.0)',
    version: 5,
    hex: frame('10', `${MQTT5} 02 003c 00 000161 000175`),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-9] Will Flag set but no Will Topic and Payload (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 06 003c 000161`),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
    field: 'connect.will.topic',
  },
  {
    title: '[MQTT-3.1.3-3] CONNECT without a client identifier (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 02 003c`),
    code: 'MALFORMED_LENGTH',
    reasonCode: 0x81,
    field: 'connect.clientId',
  },

  // Packet identifiers
  {
    title: '[MQTT-2.2.1-3] PUBLISH QoS 1 with packet identifier 0',
    version: 5,
    hex: frame('32', '000161 0000 00'),
    code: 'INVALID_PACKET_ID',
    reasonCode: 0x82,
    field: 'publish.packetId',
  },
  {
    title: '[MQTT-2.3.1-1] SUBSCRIBE with packet identifier 0',
    version: 4,
    hex: frame('82', '0000 000161 00'),
    code: 'INVALID_PACKET_ID',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-2.3.1-1] UNSUBSCRIBE with packet identifier 0',
    version: 4,
    hex: frame('a2', '0000 000161'),
    code: 'INVALID_PACKET_ID',
    reasonCode: 0x82,
  },
  {
    title: 'PUBACK with packet identifier 0',
    version: 4,
    hex: '40020000',
    code: 'INVALID_PACKET_ID',
    reasonCode: 0x82,
  },

  // PUBLISH topic and properties
  {
    title: '[MQTT-3.3.2-2] PUBLISH topic with + (5.0)',
    version: 5,
    hex: frame('30', '0002 612b 00'),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: '[MQTT-3.3.2-2] [MQTT-4.7.1-1] PUBLISH topic with # (3.1.1)',
    version: 4,
    hex: frame('30', '000123'),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: '[MQTT-4.7.3-1] PUBLISH with an empty topic (3.1.1)',
    version: 4,
    hex: frame('30', '0000'),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: 'PUBLISH with an empty topic and no Topic Alias is a Protocol Error (5.0)',
    version: 5,
    hex: frame('30', '0000 00'),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.3.2-8] PUBLISH with Topic Alias 0',
    version: 5,
    hex: frame('30', '000161 03 230000'),
    code: 'INVALID_TOPIC_ALIAS',
    reasonCode: 0x94,
  },
  {
    title: '[MQTT-3.3.4-6] server receives a PUBLISH with a Subscription Identifier',
    version: 5,
    hex: frame('30', '000161 02 0b01'),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
    side: 'server',
  },
  {
    title: '[MQTT-3.3.2-14] Response Topic with a wildcard',
    version: 5,
    hex: frame('30', '000161 04 08000123'),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Payload Format Indicator 2',
    version: 5,
    hex: frame('30', '000161 02 0102'),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Subscription Identifier 0 in PUBLISH',
    version: 5,
    hex: frame('30', '000161 02 0b00'),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },

  // Properties
  {
    title: 'Topic Alias in PUBACK (not allowed there)',
    version: 5,
    hex: frame('40', '0001 00 03 230001'),
    code: 'PROPERTY_NOT_ALLOWED',
    reasonCode: 0x82,
    field: 'puback.properties.topicAlias',
  },
  {
    title: 'Session Expiry Interval in Will Properties (not allowed there)',
    version: 5,
    hex: frame('10', `${MQTT5} 06 003c 00 000161 05 1100000001 000177 0000`),
    code: 'PROPERTY_NOT_ALLOWED',
    reasonCode: 0x82,
    field: 'will.properties.sessionExpiryInterval',
  },
  {
    title: 'Content Type twice in PUBLISH',
    version: 5,
    hex: frame('30', '000161 08 03000161 03000162'),
    code: 'DUPLICATE_PROPERTY',
    reasonCode: 0x82,
    field: 'publish.properties.contentType',
  },
  {
    title: 'Subscription Identifier twice in SUBSCRIBE',
    version: 5,
    hex: frame('82', '0001 04 0b01 0b02 000161 00'),
    code: 'DUPLICATE_PROPERTY',
    reasonCode: 0x82,
  },
  {
    title: 'unknown property identifier 0x7f',
    version: 5,
    hex: frame('40', '0001 00 02 7f00'),
    code: 'UNKNOWN_PROPERTY',
    reasonCode: 0x81,
  },
  {
    title: 'Receive Maximum 0 in CONNECT',
    version: 5,
    hex: frame('10', `${MQTT5} 02 003c 03 210000 000161`),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
    field: 'connect.properties.receiveMaximum',
  },
  {
    title: 'Maximum Packet Size 0 in CONNACK',
    version: 5,
    hex: frame('20', '00 00 05 2700000000'),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Subscription Identifier 0 in SUBSCRIBE',
    version: 5,
    hex: frame('82', '0001 02 0b00 000161 00'),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Request Problem Information 2 in CONNECT',
    version: 5,
    hex: frame('10', `${MQTT5} 02 003c 02 1702 000161`),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Maximum QoS 2 in CONNACK',
    version: 5,
    hex: frame('20', '00 00 02 2402'),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Retain Available 2 in CONNACK',
    version: 5,
    hex: frame('20', '00 00 02 2502'),
    code: 'INVALID_PROPERTY_VALUE',
    reasonCode: 0x82,
  },
  {
    title: 'Authentication Data without Authentication Method',
    version: 5,
    hex: frame('10', `${MQTT5} 02 003c 04 160001aa 000161`),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },

  // CONNECT
  {
    title: '[MQTT-3.1.2-3] CONNECT reserved flag set (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 03 003c 000161`),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-3] CONNECT reserved flag set (5.0)',
    version: 5,
    hex: frame('10', `${MQTT5} 03 003c 00 000161`),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-11] [MQTT-3.1.2-13] Will QoS without the Will Flag (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 0a 003c 000161`),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-11] Will QoS without the Will Flag (5.0)',
    version: 5,
    hex: frame('10', `${MQTT5} 12 003c 00 000161`),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-15] Will Retain without the Will Flag (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 22 003c 000161`),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-13] Will Retain without the Will Flag (5.0)',
    version: 5,
    hex: frame('10', `${MQTT5} 22 003c 00 000161`),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-14] Will QoS 3 (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 1e 003c 000161 000177 0000`),
    code: 'INVALID_QOS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-22] Password Flag without User Name Flag (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 42 003c 000161 000170`),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-22] Password Flag without User Name Flag (3.1)',
    version: 3,
    hex: frame('10', '00064d5149736470 03 42 003c 000161 000170'),
    code: 'INVALID_CONNECT_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.1.2-1] protocol name other than MQTT',
    version: 5,
    hex: frame('10', '00044d515458 05 02 003c 00 000161'),
    code: 'INVALID_PROTOCOL_NAME',
    reasonCode: 0x84,
  },
  {
    title: '[MQTT-3.1.2-2] unsupported protocol level 6',
    version: 4,
    hex: frame('10', '00044d515454 06 02 003c 000161'),
    code: 'UNSUPPORTED_PROTOCOL_VERSION',
    reasonCode: 0x84,
  },
  {
    title: '[MQTT-3.1.2-2] protocol level 3 with the name MQTT',
    version: 4,
    hex: frame('10', '00044d515454 03 02 003c 000161'),
    code: 'UNSUPPORTED_PROTOCOL_VERSION',
    reasonCode: 0x84,
  },
  {
    title: '[MQTT-4.7.0-1] Will Topic with a wildcard (5.0)',
    version: 5,
    hex: frame('10', `${MQTT5} 06 003c 00 000161 00 000123 0000`),
    code: 'INVALID_TOPIC_NAME',
    reasonCode: 0x90,
  },
  {
    title: '[MQTT-3.1.3-10] Will Topic with ill-formed UTF-8 (3.1.1)',
    version: 4,
    hex: frame('10', `${MQTT4} 06 003c 000161 0001ff 0000`),
    code: 'INVALID_UTF8',
    reasonCode: 0x81,
  },

  // CONNACK
  {
    title: '[MQTT-3.2.2-1] CONNACK flags with reserved bits set (5.0)',
    version: 5,
    hex: frame('20', '02 00 00'),
    code: 'RESERVED_FLAGS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.2.2-4] CONNACK Session Present with a non-zero return code (3.1.1)',
    version: 4,
    hex: frame('20', '01 05'),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.2.2-6] CONNACK Session Present with a non-zero reason code (5.0)',
    version: 5,
    hex: frame('20', '01 80 00'),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.2.2-8] CONNACK with reason code 0x01',
    version: 5,
    hex: frame('20', '00 01 00'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: 'CONNACK return code 6 (3.1.1)',
    version: 4,
    hex: frame('20', '00 06'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },

  // Acks
  {
    title: '[MQTT-3.4.2-1] PUBACK with reason code 0x92',
    version: 5,
    hex: frame('40', '0001 92'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.5.2-1] PUBREC with reason code 0x01',
    version: 5,
    hex: frame('50', '0001 01'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.6.2-1] PUBREL with reason code 0x80',
    version: 5,
    hex: frame('62', '0001 80'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.7.2-1] PUBCOMP with reason code 0x10',
    version: 5,
    hex: frame('70', '0001 10'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },

  // SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK
  {
    title: '[MQTT-3.8.3-3] SUBSCRIBE without any topic filter (3.1.1)',
    version: 4,
    hex: frame('82', '0001'),
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.8.3-2] SUBSCRIBE without any topic filter (5.0)',
    version: 5,
    hex: frame('82', '0001 00'),
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.8.3-4] SUBSCRIBE options with reserved bits set (3.1.1)',
    version: 4,
    hex: frame('82', '0001 000161 04'),
    code: 'INVALID_SUBSCRIPTION_OPTIONS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.8.3-4] SUBSCRIBE with requested QoS 3 (3.1.1)',
    version: 4,
    hex: frame('82', '0001 000161 03'),
    code: 'INVALID_QOS',
    reasonCode: 0x81,
  },
  {
    title: '[MQTT-3.8.3-5] SUBSCRIBE options with reserved bits 6-7 set (5.0)',
    version: 5,
    hex: frame('82', '0001 00 000161 40'),
    code: 'INVALID_SUBSCRIPTION_OPTIONS',
    reasonCode: 0x81,
  },
  {
    title: 'SUBSCRIBE with Retain Handling 3 is a Protocol Error',
    version: 5,
    hex: frame('82', '0001 00 000161 30'),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.8.3-4] No Local on a Shared Subscription (5.0)',
    version: 5,
    hex: frame('82', '0001 00 000a 2473686172652f672f61 04'),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-4.7.1-1] # not the last character of a filter',
    version: 5,
    hex: frame('82', '0001 00 0005 612f232f62 00'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-4.7.1-2] # not on its own level (3.1.1)',
    version: 4,
    hex: frame('82', '0001 0002 6123 00'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-4.7.1-2] + not occupying a whole level (5.0)',
    version: 5,
    hex: frame('82', '0001 00 0003 612b62 00'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-4.7.1-3] + not occupying a whole level (3.1.1)',
    version: 4,
    hex: frame('a2', '0001 0002 2b61'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-4.7.3-1] empty topic filter',
    version: 4,
    hex: frame('82', '0001 0000 00'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-4.8.2-1] Shared Subscription with an empty ShareName',
    version: 5,
    hex: frame('82', '0001 00 0009 2473686172652f2f61 00'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-4.8.2-2] ShareName containing +',
    version: 5,
    hex: frame('82', '0001 00 000b 2473686172652f672b2f61 00'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-4.8.2-2] ShareName not followed by / and a filter',
    version: 5,
    hex: frame('82', '0001 00 0008 2473686172652f67 00'),
    code: 'INVALID_TOPIC_FILTER',
    reasonCode: 0x8f,
  },
  {
    title: '[MQTT-3.9.3-2] SUBACK return code 0x03 (3.1.1)',
    version: 4,
    hex: frame('90', '0001 03'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.9.3-2] SUBACK reason code 0x10 (5.0)',
    version: 5,
    hex: frame('90', '0001 00 10'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: 'SUBACK without any return code',
    version: 4,
    hex: frame('90', '0001'),
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.10.3-2] UNSUBSCRIBE without any topic filter (3.1.1)',
    version: 4,
    hex: frame('a2', '0001'),
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.10.3-2] UNSUBSCRIBE without any topic filter (5.0)',
    version: 5,
    hex: frame('a2', '0001 00'),
    code: 'EMPTY_PAYLOAD',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.11.3-2] UNSUBACK reason code 0x01',
    version: 5,
    hex: frame('b0', '0001 00 01'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },

  // DISCONNECT / AUTH
  {
    title: '[MQTT-3.14.2-1] DISCONNECT with reason code 0x01',
    version: 5,
    hex: frame('e0', '01'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: '[MQTT-3.14.2-2] client receives DISCONNECT with a Session Expiry Interval',
    version: 5,
    hex: frame('e0', '00 05 1100000001'),
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
    side: 'client',
  },
  {
    title: '[MQTT-3.15.2-1] AUTH with reason code 0x01',
    version: 5,
    hex: frame('f0', '01 00'),
    code: 'INVALID_REASON_CODE',
    reasonCode: 0x82,
  },
  {
    title: 'AUTH without an Authentication Method',
    version: 5,
    hex: 'f000',
    code: 'PROTOCOL_VIOLATION',
    reasonCode: 0x82,
  },

  // Direction
  {
    title: 'server receives CONNACK',
    version: 4,
    hex: '20020000',
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'server',
  },
  {
    title: 'server receives SUBACK',
    version: 5,
    hex: frame('90', '0001 00 00'),
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'server',
  },
  {
    title: 'server receives UNSUBACK',
    version: 4,
    hex: 'b0020001',
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'server',
  },
  {
    title: 'server receives PINGRESP',
    version: 4,
    hex: 'd000',
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'server',
  },
  {
    title: 'client receives CONNECT',
    version: 4,
    hex: frame('10', `${MQTT4} 02 003c 000161`),
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'client',
  },
  {
    title: 'client receives SUBSCRIBE',
    version: 4,
    hex: frame('82', '0001 000161 00'),
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'client',
  },
  {
    title: 'client receives UNSUBSCRIBE',
    version: 4,
    hex: frame('a2', '0001 000161'),
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'client',
  },
  {
    title: 'client receives PINGREQ',
    version: 5,
    hex: 'c000',
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'client',
  },
  {
    title: 'client receives DISCONNECT in 3.1.1 (server-sent DISCONNECT exists only in 5.0)',
    version: 4,
    hex: 'e000',
    code: 'UNEXPECTED_PACKET',
    reasonCode: 0x82,
    side: 'client',
  },
];

function caught(fn: () => void): MqttProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MqttProtocolError) return e;
    throw e;
  }
  throw new Error('expected an MqttProtocolError, nothing was thrown');
}

describe('malformed and forbidden packets', () => {
  for (const row of rows) {
    it(`${row.title} -> ${row.code} 0x${row.reasonCode.toString(16)} (v${row.version})`, () => {
      const bytes = hexBytes(row.hex);
      const options =
        row.side === undefined
          ? { protocolVersion: row.version }
          : { protocolVersion: row.version, side: row.side };
      const e = caught(() => decodePacket(bytes, options));
      expect(e.code).toBe(row.code);
      expect(e.reasonCode).toBe(row.reasonCode);
      if (row.field !== undefined) {
        expect(e.field).toBe(row.field);
        expect(e.message).toContain(row.field);
      }
      // The streaming decoder must fail the same way, also when fed one byte at a time.
      const decoder = new PacketDecoder(options);
      const e2 = caught(() => {
        for (const b of bytes) decoder.push(Uint8Array.of(b), () => {});
      });
      expect(e2.code).toBe(row.code);
    });
  }
});

describe('the frame helper', () => {
  it('computes multi-byte Remaining Lengths', () => {
    expect(frame('30', '00'.repeat(200)).slice(0, 6)).toBe('30c801');
    expect(toHex(hexBytes(frame('c0', '')))).toBe('c000');
  });
});
