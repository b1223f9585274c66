/**
 * Packet and property types: one discriminated union `Packet` on the string `type`.
 * Fields that a protocol version cannot carry (properties and most reason codes in 3.1/3.1.1) are optional.
 */
import type { ProtocolVersion, QoS } from './constants.js';

/** Every MQTT 5.0 property by its camelCase key. Each packet's properties type picks its subset. */
export interface Properties {
  payloadFormatIndicator?: number;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  /** PUBLISH: one entry per matching subscription (may repeat on the wire). */
  subscriptionIdentifiers?: number[];
  /** SUBSCRIBE: at most one. */
  subscriptionIdentifier?: number;
  sessionExpiryInterval?: number;
  assignedClientIdentifier?: string;
  serverKeepAlive?: number;
  authenticationMethod?: string;
  authenticationData?: Uint8Array;
  requestProblemInformation?: boolean;
  willDelayInterval?: number;
  requestResponseInformation?: boolean;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQoS?: number;
  retainAvailable?: boolean;
  /** Order and duplicates are kept as on the wire. */
  userProperties?: Array<[string, string]>;
  maximumPacketSize?: number;
  wildcardSubscriptionAvailable?: boolean;
  subscriptionIdentifiersAvailable?: boolean;
  sharedSubscriptionAvailable?: boolean;
}

export type PropertyName = keyof Properties;

export type WillProperties = Pick<
  Properties,
  | 'payloadFormatIndicator'
  | 'messageExpiryInterval'
  | 'contentType'
  | 'responseTopic'
  | 'correlationData'
  | 'willDelayInterval'
  | 'userProperties'
>;

export type ConnectProperties = Pick<
  Properties,
  | 'sessionExpiryInterval'
  | 'receiveMaximum'
  | 'maximumPacketSize'
  | 'topicAliasMaximum'
  | 'requestResponseInformation'
  | 'requestProblemInformation'
  | 'userProperties'
  | 'authenticationMethod'
  | 'authenticationData'
>;

export type ConnackProperties = Pick<
  Properties,
  | 'sessionExpiryInterval'
  | 'receiveMaximum'
  | 'maximumQoS'
  | 'retainAvailable'
  | 'maximumPacketSize'
  | 'assignedClientIdentifier'
  | 'topicAliasMaximum'
  | 'reasonString'
  | 'userProperties'
  | 'wildcardSubscriptionAvailable'
  | 'subscriptionIdentifiersAvailable'
  | 'sharedSubscriptionAvailable'
  | 'serverKeepAlive'
  | 'responseInformation'
  | 'serverReference'
  | 'authenticationMethod'
  | 'authenticationData'
>;

export type PublishProperties = Pick<
  Properties,
  | 'payloadFormatIndicator'
  | 'messageExpiryInterval'
  | 'topicAlias'
  | 'responseTopic'
  | 'correlationData'
  | 'userProperties'
  | 'subscriptionIdentifiers'
  | 'contentType'
>;

export type AckProperties = Pick<Properties, 'reasonString' | 'userProperties'>;
export type SubscribeProperties = Pick<Properties, 'subscriptionIdentifier' | 'userProperties'>;
export type UnsubscribeProperties = Pick<Properties, 'userProperties'>;
export type DisconnectProperties = Pick<
  Properties,
  'sessionExpiryInterval' | 'reasonString' | 'userProperties' | 'serverReference'
>;
export type AuthProperties = Pick<
  Properties,
  'authenticationMethod' | 'authenticationData' | 'reasonString' | 'userProperties'
>;

export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  properties?: WillProperties;
}

export interface ConnectPacket {
  type: 'connect';
  protocolVersion: ProtocolVersion;
  /** 'MQIsdp' for 3.1 (level 3), 'MQTT' for 3.1.1 (4) and 5.0 (5). */
  protocolName: 'MQTT' | 'MQIsdp';
  clientId: string;
  /** Clean Start in 5.0, Clean Session in 3.1/3.1.1. */
  cleanStart: boolean;
  keepAlive: number;
  username?: string;
  password?: Uint8Array;
  will?: Will;
  properties?: ConnectProperties;
}

export interface ConnackPacket {
  type: 'connack';
  sessionPresent: boolean;
  /** 5.0 reason code; in 3.1/3.1.1 the connect return code 0..5 (see `ConnectReturnCode`). */
  reasonCode: number;
  properties?: ConnackProperties;
}

export interface PublishPacket {
  type: 'publish';
  /** May be '' in 5.0 when `properties.topicAlias` is set. */
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present iff qos > 0. */
  packetId?: number;
  properties?: PublishProperties;
}

export interface PubackPacket {
  type: 'puback';
  packetId: number;
  /** 5.0 only, default 0 (Success). */
  reasonCode?: number;
  properties?: AckProperties;
}

export interface PubrecPacket {
  type: 'pubrec';
  packetId: number;
  reasonCode?: number;
  properties?: AckProperties;
}

export interface PubrelPacket {
  type: 'pubrel';
  packetId: number;
  reasonCode?: number;
  properties?: AckProperties;
}

export interface PubcompPacket {
  type: 'pubcomp';
  packetId: number;
  reasonCode?: number;
  properties?: AckProperties;
}

export interface Subscription {
  topicFilter: string;
  qos: QoS;
  /** 5.0 only. */
  noLocal?: boolean;
  /** 5.0 only. */
  retainAsPublished?: boolean;
  /** 5.0 only: 0 send retained on subscribe, 1 only for a new subscription, 2 never. */
  retainHandling?: 0 | 1 | 2;
}

export interface SubscribePacket {
  type: 'subscribe';
  packetId: number;
  subscriptions: Subscription[];
  properties?: SubscribeProperties;
}

export interface SubackPacket {
  type: 'suback';
  packetId: number;
  /** 5.0 reason codes, or 3.1.1 return codes (0, 1, 2, 0x80). */
  reasonCodes: number[];
  properties?: AckProperties;
}

export interface UnsubscribePacket {
  type: 'unsubscribe';
  packetId: number;
  topicFilters: string[];
  properties?: UnsubscribeProperties;
}

export interface UnsubackPacket {
  type: 'unsuback';
  packetId: number;
  /** One per topic filter in 5.0; always empty in 3.1/3.1.1. */
  reasonCodes: number[];
  properties?: AckProperties;
}

export interface PingreqPacket {
  type: 'pingreq';
}

export interface PingrespPacket {
  type: 'pingresp';
}

export interface DisconnectPacket {
  type: 'disconnect';
  /** 5.0 only, default 0 (Normal disconnection). */
  reasonCode?: number;
  properties?: DisconnectProperties;
}

export interface AuthPacket {
  type: 'auth';
  /** Default 0 (Success). */
  reasonCode?: number;
  properties?: AuthProperties;
}

export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | PubackPacket
  | PubrecPacket
  | PubrelPacket
  | PubcompPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | UnsubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket
  | AuthPacket;

/** The four packets that carry only a packet identifier (plus reason code and properties in 5.0). */
export type PubAckLikePacket = PubackPacket | PubrecPacket | PubrelPacket | PubcompPacket;
