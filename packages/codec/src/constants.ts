/**
 * Protocol tables for MQTT 3.1, 3.1.1 and 5.0. Every table is an `as const` object; types and reverse
 * maps are derived from it so a value is written down exactly once.
 */

export type ProtocolVersion = 3 | 4 | 5;
export type QoS = 0 | 1 | 2;

/** Control packet types (fixed header bits 7-4). Type 0 is reserved/forbidden in every version. */
export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
} as const;

export type PacketTypeCode = (typeof PacketType)[keyof typeof PacketType];
export type PacketTypeName = Lowercase<keyof typeof PacketType>;

/** `PACKET_TYPE_NAME[3] === 'publish'`: the `type` string of the decoded packet object for a type code. */
export const PACKET_TYPE_NAME: Readonly<Record<PacketTypeCode, PacketTypeName>> = Object.freeze(
  Object.fromEntries(Object.entries(PacketType).map(([k, v]) => [v, k.toLowerCase()])) as Record<
    PacketTypeCode,
    PacketTypeName
  >,
);

/** `PACKET_TYPE_CODE.publish === 3`. */
export const PACKET_TYPE_CODE: Readonly<Record<PacketTypeName, PacketTypeCode>> = Object.freeze(
  Object.fromEntries(Object.entries(PacketType).map(([k, v]) => [k.toLowerCase(), v])) as Record<
    PacketTypeName,
    PacketTypeCode
  >,
);

/** MQTT 5.0 reason codes (section 2.4). Several names share a value; the packet type disambiguates. */
export const ReasonCode = {
  Success: 0x00,
  NormalDisconnection: 0x00,
  GrantedQoS0: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  DisconnectWithWillMessage: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  ContinueAuthentication: 0x18,
  ReAuthenticate: 0x19,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  Banned: 0x8a,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  MessageRateTooHigh: 0x96,
  QuotaExceeded: 0x97,
  AdministrativeAction: 0x98,
  PayloadFormatInvalid: 0x99,
  RetainNotSupported: 0x9a,
  QoSNotSupported: 0x9b,
  UseAnotherServer: 0x9c,
  ServerMoved: 0x9d,
  SharedSubscriptionsNotSupported: 0x9e,
  ConnectionRateExceeded: 0x9f,
  MaximumConnectTime: 0xa0,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

export type ReasonCodeName = keyof typeof ReasonCode;
export type ReasonCodeValue = (typeof ReasonCode)[ReasonCodeName];

const REASON_NAME_BY_CODE: ReadonlyMap<number, ReasonCodeName> = (() => {
  const map = new Map<number, ReasonCodeName>();
  // First name wins, so 0x00 maps to 'Success' unless the packet type says otherwise.
  for (const [name, code] of Object.entries(ReasonCode) as [ReasonCodeName, number][]) {
    if (!map.has(code)) map.set(code, name);
  }
  return map;
})();

/**
 * The name of a reason code, e.g. `reasonCodeName(0x87) === 'NotAuthorized'`. For 0x00 the packet type picks
 * between `Success`, `NormalDisconnection` (DISCONNECT) and `GrantedQoS0` (SUBACK). Unknown codes give
 * `'Unknown(0x..)'`.
 */
export function reasonCodeName(code: number, packetType?: PacketTypeCode | PacketTypeName): string {
  const type = typeof packetType === 'string' ? PACKET_TYPE_CODE[packetType] : packetType;
  if (code === 0x00 && type === PacketType.DISCONNECT) return 'NormalDisconnection';
  if (code === 0x00 && type === PacketType.SUBACK) return 'GrantedQoS0';
  return REASON_NAME_BY_CODE.get(code) ?? `Unknown(0x${code.toString(16).padStart(2, '0')})`;
}

/** MQTT 5.0 reason codes each packet type may carry (sections 3.2.2.2, 3.4.2.1, ... 3.15.2.1). */
export const REASON_CODES_BY_PACKET: Readonly<Partial<Record<PacketTypeName, readonly number[]>>> = {
  connack: [
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99,
    0x9a, 0x9b, 0x9c, 0x9d, 0x9f,
  ],
  puback: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrec: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrel: [0x00, 0x92],
  pubcomp: [0x00, 0x92],
  suback: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
  unsuback: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91],
  disconnect: [
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96,
    0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
  ],
  auth: [0x00, 0x18, 0x19],
};

/** MQTT 3.1/3.1.1 CONNACK return codes (3.1.1 section 3.2.2.3). */
export const ConnectReturnCode = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUsernameOrPassword: 4,
  NotAuthorized: 5,
} as const;

export type ConnectReturnCodeValue = (typeof ConnectReturnCode)[keyof typeof ConnectReturnCode];

/** MQTT 3.1.1 SUBACK return code for a refused subscription (3.1.1 section 3.9.3). */
export const SUBACK_FAILURE = 0x80;

/** MQTT 5.0 property identifiers (section 2.2.2.2). */
export const PropertyId = {
  PayloadFormatIndicator: 0x01,
  MessageExpiryInterval: 0x02,
  ContentType: 0x03,
  ResponseTopic: 0x08,
  CorrelationData: 0x09,
  SubscriptionIdentifier: 0x0b,
  SessionExpiryInterval: 0x11,
  AssignedClientIdentifier: 0x12,
  ServerKeepAlive: 0x13,
  AuthenticationMethod: 0x15,
  AuthenticationData: 0x16,
  RequestProblemInformation: 0x17,
  WillDelayInterval: 0x18,
  RequestResponseInformation: 0x19,
  ResponseInformation: 0x1a,
  ServerReference: 0x1c,
  ReasonString: 0x1f,
  ReceiveMaximum: 0x21,
  TopicAliasMaximum: 0x22,
  TopicAlias: 0x23,
  MaximumQoS: 0x24,
  RetainAvailable: 0x25,
  UserProperty: 0x26,
  MaximumPacketSize: 0x27,
  WildcardSubscriptionAvailable: 0x28,
  SubscriptionIdentifierAvailable: 0x29,
  SharedSubscriptionAvailable: 0x2a,
} as const;

export type PropertyIdValue = (typeof PropertyId)[keyof typeof PropertyId];

/** Wire data types of property values (section 1.5). */
export type PropertyDataType =
  | 'byte'
  | 'twoByteInt'
  | 'fourByteInt'
  | 'varInt'
  | 'utf8'
  | 'binary'
  | 'utf8Pair';

/** Where a property may appear: a packet type, or the Will Properties of a CONNECT. */
export type PropertyContext = PacketTypeName | 'will';

export interface PropertyInfo {
  readonly id: PropertyIdValue;
  /** Key in the properties object. PUBLISH carries 0x0B as the array `subscriptionIdentifiers`. */
  readonly name: string;
  readonly type: PropertyDataType;
  readonly allowedIn: readonly PropertyContext[];
}

const ACKS: readonly PropertyContext[] = ['puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback'];
/** Every place properties can stand: the packets that have a property section, and the will. */
export const PROPERTY_CONTEXTS: readonly PropertyContext[] = [
  'connect',
  'connack',
  'publish',
  'will',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'disconnect',
  'auth',
];

const p = (
  id: PropertyIdValue,
  name: string,
  type: PropertyDataType,
  allowedIn: readonly PropertyContext[],
): PropertyInfo => Object.freeze({ id, name, type, allowedIn: Object.freeze([...allowedIn]) });

/** Every MQTT 5.0 property: id, key, data type and the packets allowed to carry it (table 2-4). */
export const PROPERTIES: readonly PropertyInfo[] = Object.freeze([
  p(0x01, 'payloadFormatIndicator', 'byte', ['publish', 'will']),
  p(0x02, 'messageExpiryInterval', 'fourByteInt', ['publish', 'will']),
  p(0x03, 'contentType', 'utf8', ['publish', 'will']),
  p(0x08, 'responseTopic', 'utf8', ['publish', 'will']),
  p(0x09, 'correlationData', 'binary', ['publish', 'will']),
  p(0x0b, 'subscriptionIdentifier', 'varInt', ['publish', 'subscribe']),
  p(0x11, 'sessionExpiryInterval', 'fourByteInt', ['connect', 'connack', 'disconnect']),
  p(0x12, 'assignedClientIdentifier', 'utf8', ['connack']),
  p(0x13, 'serverKeepAlive', 'twoByteInt', ['connack']),
  p(0x15, 'authenticationMethod', 'utf8', ['connect', 'connack', 'auth']),
  p(0x16, 'authenticationData', 'binary', ['connect', 'connack', 'auth']),
  p(0x17, 'requestProblemInformation', 'byte', ['connect']),
  p(0x18, 'willDelayInterval', 'fourByteInt', ['will']),
  p(0x19, 'requestResponseInformation', 'byte', ['connect']),
  p(0x1a, 'responseInformation', 'utf8', ['connack']),
  p(0x1c, 'serverReference', 'utf8', ['connack', 'disconnect']),
  p(0x1f, 'reasonString', 'utf8', ['connack', ...ACKS, 'disconnect', 'auth']),
  p(0x21, 'receiveMaximum', 'twoByteInt', ['connect', 'connack']),
  p(0x22, 'topicAliasMaximum', 'twoByteInt', ['connect', 'connack']),
  p(0x23, 'topicAlias', 'twoByteInt', ['publish']),
  p(0x24, 'maximumQoS', 'byte', ['connack']),
  p(0x25, 'retainAvailable', 'byte', ['connack']),
  p(0x26, 'userProperties', 'utf8Pair', PROPERTY_CONTEXTS),
  p(0x27, 'maximumPacketSize', 'fourByteInt', ['connect', 'connack']),
  p(0x28, 'wildcardSubscriptionAvailable', 'byte', ['connack']),
  p(0x29, 'subscriptionIdentifiersAvailable', 'byte', ['connack']),
  p(0x2a, 'sharedSubscriptionAvailable', 'byte', ['connack']),
]);

/** Property metadata by id; `undefined` for an unknown id. */
export const PROPERTY_BY_ID: ReadonlyMap<number, PropertyInfo> = new Map(PROPERTIES.map((x) => [x.id, x]));

/** Largest value of a Variable Byte Integer (section 1.5.5), hence of Remaining Length. */
export const MAX_VARINT = 268_435_455;

/** Largest possible MQTT packet: 1 type byte + 4 length bytes + 268,435,455 body bytes. */
export const MAX_PACKET_SIZE = MAX_VARINT + 5;
