/**
 * Fixed header checks and the per-type dispatch for one whole packet body, plus `decodePacket` for a byte
 * array that holds exactly one packet.
 */
import {
  MAX_PACKET_SIZE,
  PACKET_TYPE_NAME,
  PacketType,
  type PacketTypeCode,
  type ProtocolVersion,
} from './constants.js';
import { decodeAck } from './decode-ack.js';
import { decodeAuth } from './decode-auth.js';
import { decodeConnack } from './decode-connack.js';
import { decodeConnect } from './decode-connect.js';
import { decodeDisconnect } from './decode-disconnect.js';
import { decodePublish } from './decode-publish.js';
import { decodeSuback } from './decode-suback.js';
import { decodeSubscribe } from './decode-subscribe.js';
import { decodeUnsuback } from './decode-unsuback.js';
import { decodeUnsubscribe } from './decode-unsubscribe.js';
import { protocolError } from './errors.js';
import type { Packet } from './packets.js';
import { asFastBuffer, NodeBuffer } from './platform.js';
import { Reader } from './reader.js';

export type Side = 'server' | 'client';

/** Packets a server never receives (they flow server to client only). */
const CLIENT_BOUND = new Set<number>([
  PacketType.CONNACK,
  PacketType.SUBACK,
  PacketType.UNSUBACK,
  PacketType.PINGRESP,
]);
/** Packets a client never receives. */
const SERVER_BOUND = new Set<number>([
  PacketType.CONNECT,
  PacketType.SUBSCRIBE,
  PacketType.UNSUBSCRIBE,
  PacketType.PINGREQ,
]);

/**
 * Checks the first byte of a fixed header: a known type for the version, reserved flag bits
 * [MQTT-2.1.3-1] (5.0) / [MQTT-2.2.2-1] (3.1.1), PUBLISH QoS and DUP, and the direction when `side` is known.
 */
export function checkFirstByte(first: number, version: ProtocolVersion, side: Side | undefined): void {
  const type = first >> 4;
  const flags = first & 0x0f;
  if (type === 0 || (type === PacketType.AUTH && version < 5)) {
    throw protocolError(
      'INVALID_PACKET_TYPE',
      'header.type',
      `packet type ${type} is reserved in version ${version}`,
    );
  }
  if (type === PacketType.PUBLISH) {
    const qos = (flags >> 1) & 0x03;
    if (qos === 3) throw protocolError('INVALID_QOS', 'publish.qos', 'both QoS bits set');
    if (qos === 0 && (flags & 0x08) !== 0)
      throw protocolError('RESERVED_FLAGS', 'publish.dup', 'DUP must be 0 for QoS 0');
  } else {
    const expected =
      type === PacketType.PUBREL || type === PacketType.SUBSCRIBE || type === PacketType.UNSUBSCRIBE ? 2 : 0;
    // MQTT 3.1 set DUP on a retried PUBREL, SUBSCRIBE or UNSUBSCRIBE; 3.1.1 reserved that bit.
    const v31Retry = version === 3 && expected === 2 && flags === 0x0a;
    if (flags !== expected && !v31Retry) {
      const name = PACKET_TYPE_NAME[type as PacketTypeCode];
      throw protocolError(
        'RESERVED_FLAGS',
        `${name}.flags`,
        `reserved flag bits must be ${expected}, got ${flags}`,
      );
    }
  }
  if (
    side === 'server'
      ? CLIENT_BOUND.has(type)
      : side === 'client' && (SERVER_BOUND.has(type) || (type === PacketType.DISCONNECT && version < 5))
  ) {
    const name = PACKET_TYPE_NAME[type as PacketTypeCode];
    throw protocolError('UNEXPECTED_PACKET', name, `a ${side} must never receive ${name.toUpperCase()}`);
  }
}

/**
 * Decodes the body `bytes[start..end)` of a packet whose first byte (already checked by checkFirstByte) is
 * `first`. In Node `bytes` must be a Buffer (the string fast paths use its methods).
 */
export function decodeBody(
  first: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  version: ProtocolVersion,
  side: Side | undefined,
): Packet {
  const r = new Reader(bytes, start, end);
  switch (first >> 4) {
    case PacketType.PUBLISH:
      return decodePublish(r, first & 0x0f, version, side);
    case PacketType.PUBACK:
      return decodeAck(r, 'puback', version);
    case PacketType.PUBREC:
      return decodeAck(r, 'pubrec', version);
    case PacketType.PUBREL:
      return decodeAck(r, 'pubrel', version);
    case PacketType.PUBCOMP:
      return decodeAck(r, 'pubcomp', version);
    case PacketType.CONNECT:
      return decodeConnect(r);
    case PacketType.CONNACK:
      return decodeConnack(r, version);
    case PacketType.SUBSCRIBE:
      return decodeSubscribe(r, version);
    case PacketType.SUBACK:
      return decodeSuback(r, version);
    case PacketType.UNSUBSCRIBE:
      return decodeUnsubscribe(r, version);
    case PacketType.UNSUBACK:
      return decodeUnsuback(r, version);
    case PacketType.PINGREQ:
      r.done('pingreq');
      return { type: 'pingreq' };
    case PacketType.PINGRESP:
      r.done('pingresp');
      return { type: 'pingresp' };
    case PacketType.DISCONNECT:
      return decodeDisconnect(r, version, side);
    default:
      return decodeAuth(r);
  }
}

export interface DecodePacketOptions {
  /** Version of the connection; ignored for CONNECT, which carries its own. Default 4. */
  protocolVersion?: ProtocolVersion;
  /** Which side receives the packet, for direction checks. */
  side?: Side;
  /** Default 268,435,460 (the largest possible packet). */
  maxPacketSize?: number;
}

/** Decodes `bytes`, which must hold exactly one whole packet. Throws MqttProtocolError. */
export function decodePacket(bytes: Uint8Array, options: DecodePacketOptions = {}): Packet {
  const version = options.protocolVersion ?? 4;
  if (version !== 3 && version !== 4 && version !== 5) {
    throw new RangeError(`protocolVersion must be 3, 4 or 5, got ${String(version)}`);
  }
  const max = options.maxPacketSize ?? MAX_PACKET_SIZE;
  if (bytes.length < 2) throw protocolError('MALFORMED_LENGTH', 'header', 'a packet has at least 2 bytes');
  const first = bytes[0]!;
  checkFirstByte(first, version, options.side);
  let length = 0;
  let mul = 1;
  let pos = 1;
  for (;;) {
    if (pos >= bytes.length) throw protocolError('MALFORMED_LENGTH', 'header.remainingLength', 'truncated');
    const b = bytes[pos++]!;
    length += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      if (b === 0 && pos > 2) {
        throw protocolError(
          'MALFORMED_VARINT',
          'header.remainingLength',
          'Remaining Length is not minimally encoded',
        );
      }
      break;
    }
    if (pos === 5)
      throw protocolError(
        'MALFORMED_VARINT',
        'header.remainingLength',
        'Remaining Length longer than 4 bytes',
      );
    mul *= 128;
  }
  if (pos + length > max) {
    throw protocolError(
      'PACKET_TOO_LARGE',
      'packet',
      `${pos + length} bytes exceed the maximum packet size ${max}`,
    );
  }
  if (pos + length !== bytes.length) {
    throw protocolError(
      'MALFORMED_LENGTH',
      'header.remainingLength',
      `Remaining Length ${length} does not match the ${bytes.length - pos} body byte(s) given`,
    );
  }
  const view = NodeBuffer ? asFastBuffer(bytes) : bytes;
  return decodeBody(first, view, pos, bytes.length, version, options.side);
}
