import { ReasonCode } from './constants.js';

/**
 * Stable error codes and the reason code a receiver answers with (in a 5.0 DISCONNECT or CONNACK; a 3.1.1
 * receiver just closes the connection). The code that finds the problem picks the code here, so the
 * connection only has to act on `reasonCode`.
 */
export const ProtocolErrorCode = {
  /** Remaining Length or a Variable Byte Integer longer than 4 bytes, or not minimal. */
  MALFORMED_VARINT: ReasonCode.MalformedPacket,
  /** A fixed header flag bit that must have a fixed value. */
  RESERVED_FLAGS: ReasonCode.MalformedPacket,
  /** Packet type 0, or 15 (AUTH) before 5.0. */
  INVALID_PACKET_TYPE: ReasonCode.MalformedPacket,
  /** Remaining Length disagrees with the content: a field runs past the end, or bytes are left over. */
  MALFORMED_LENGTH: ReasonCode.MalformedPacket,
  /** Ill-formed UTF-8, U+0000, or an encoded surrogate. */
  INVALID_UTF8: ReasonCode.MalformedPacket,
  /** A string longer than 65,535 bytes or binary data that does not fit its 2-byte length. */
  STRING_TOO_LONG: ReasonCode.MalformedPacket,
  /** QoS 3 in PUBLISH, a Will or a subscription. */
  INVALID_QOS: ReasonCode.MalformedPacket,
  /** A CONNECT flag combination the spec forbids (reserved bit, Will flags, password without username). */
  INVALID_CONNECT_FLAGS: ReasonCode.MalformedPacket,
  /** Protocol name is not 'MQTT' (4, 5) or 'MQIsdp' (3). */
  INVALID_PROTOCOL_NAME: ReasonCode.UnsupportedProtocolVersion,
  /** Protocol level is not 3, 4 or 5. */
  UNSUPPORTED_PROTOCOL_VERSION: ReasonCode.UnsupportedProtocolVersion,
  /** Packet identifier 0 where a non-zero one is required. */
  INVALID_PACKET_ID: ReasonCode.ProtocolError,
  /** Unknown property identifier. */
  UNKNOWN_PROPERTY: ReasonCode.MalformedPacket,
  /** A property this packet must not carry. */
  PROPERTY_NOT_ALLOWED: ReasonCode.ProtocolError,
  /** A property that may appear at most once appears again. */
  DUPLICATE_PROPERTY: ReasonCode.ProtocolError,
  /** A property value outside its range (e.g. Receive Maximum 0). */
  INVALID_PROPERTY_VALUE: ReasonCode.ProtocolError,
  /** Topic Alias 0. */
  INVALID_TOPIC_ALIAS: ReasonCode.TopicAliasInvalid,
  /** A topic name with wildcards, or empty without a topic alias. */
  INVALID_TOPIC_NAME: ReasonCode.TopicNameInvalid,
  /** A topic filter with misplaced wildcards, empty, or a malformed shared subscription. */
  INVALID_TOPIC_FILTER: ReasonCode.TopicFilterInvalid,
  /** Reserved bits of SUBSCRIBE options set. */
  INVALID_SUBSCRIPTION_OPTIONS: ReasonCode.MalformedPacket,
  /** SUBSCRIBE/UNSUBSCRIBE without any topic filter, SUBACK/UNSUBACK without reason codes. */
  EMPTY_PAYLOAD: ReasonCode.ProtocolError,
  /** A reason code the packet type does not define. */
  INVALID_REASON_CODE: ReasonCode.ProtocolError,
  /** A packet the receiving side must never get (e.g. a server receiving CONNACK). */
  UNEXPECTED_PACKET: ReasonCode.ProtocolError,
  /** Any other combination the spec calls a Protocol Error. */
  PROTOCOL_VIOLATION: ReasonCode.ProtocolError,
  /** The packet is larger than the configured maximum packet size. */
  PACKET_TOO_LARGE: ReasonCode.PacketTooLarge,
} as const;

export type ProtocolErrorCodeName = keyof typeof ProtocolErrorCode;

export interface MqttProtocolErrorOptions {
  /** The packet field at fault, e.g. 'publish.topic' or 'connect.properties.receiveMaximum'. */
  field?: string;
  /** Overrides the default reason code of `code`. */
  reasonCode?: number;
  cause?: unknown;
}

/**
 * A violation of the MQTT specification: thrown by the decoder for anything received that breaks the
 * spec, and by the encoder for anything a sender must not send. `reasonCode` is what the receiver answers
 * (0x81 Malformed Packet, 0x82 Protocol Error, 0x84, 0x94, 0x95, ...).
 */
export class MqttProtocolError extends Error {
  override readonly name = 'MqttProtocolError';
  readonly code: ProtocolErrorCodeName;
  readonly reasonCode: number;
  readonly field?: string;

  constructor(code: ProtocolErrorCodeName, message: string, options: MqttProtocolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reasonCode = options.reasonCode ?? ProtocolErrorCode[code];
    if (options.field !== undefined) this.field = options.field;
  }
}

/** Shorthand used by the decoders and encoders: build the error with the field named in the message. */
export function protocolError(
  code: ProtocolErrorCodeName,
  field: string,
  detail: string,
  reasonCode?: number,
): MqttProtocolError {
  return new MqttProtocolError(
    code,
    `${field}: ${detail}`,
    reasonCode === undefined ? { field } : { field, reasonCode },
  );
}

/** Two hex digits for a byte value in messages, e.g. `hex(0x8f) === '8f'`. */
export function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
