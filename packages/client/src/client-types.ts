import type {
  ConnackProperties,
  DisconnectProperties,
  PublishProperties,
  QoS,
  SubscribeProperties,
} from '@mq/codec';
import type { MqttClientError } from './errors.js';
import type { Message } from './message.js';
import type { PublishResult } from './outgoing.js';
import type { MessageHandler } from './subscriptions.js';

/** The one value that says where the client is. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectInfo {
  sessionPresent: boolean;
  reasonCode: number;
  properties: ConnackProperties | undefined;
  /** False for the first connection of this client. */
  reconnect: boolean;
}

export interface ServerDisconnect {
  reasonCode: number;
  reasonString: string | undefined;
  properties: DisconnectProperties | undefined;
}

export interface ClientEvents {
  state: (state: ConnectionState, previous: ConnectionState) => void;
  connect: (info: ConnectInfo) => void;
  reconnecting: (info: { attempt: number; delay: number; error: MqttClientError | undefined }) => void;
  /** A connection ended (the client may reconnect). */
  close: (error: MqttClientError | undefined) => void;
  /** The server sent DISCONNECT. */
  disconnect: (info: ServerDisconnect) => void;
  message: (message: Message) => void;
  /** An outgoing QoS 1/2 message completed, including ones restored from the store. */
  published: (result: PublishResult) => void;
  /** Problems that have no promise to reject: failed reconnects, store errors, failed resubscribes. */
  error: (error: MqttClientError) => void;
  /** The client is closed for good. */
  end: () => void;
}

export interface PublishOptions {
  /** Default 0. */
  qos?: QoS;
  /** Default false. */
  retain?: boolean;
  /** MQTT 5 properties (messageExpiryInterval, responseTopic, correlationData, userProperties, ...). */
  properties?: PublishProperties;
}

export interface SubscriptionRequest {
  topicFilter: string;
  qos?: QoS;
  noLocal?: boolean;
  retainAsPublished?: boolean;
  retainHandling?: 0 | 1 | 2;
}

export interface SubscribeOptions {
  /** QoS for filters given as strings. Default 0. */
  qos?: QoS;
  /** MQTT 5 subscriptionIdentifier and userProperties. */
  properties?: SubscribeProperties;
  /** Called for each message whose topic matches one of these filters. */
  handler?: MessageHandler;
}

export interface SubscribeResult {
  topicFilter: string;
  reasonCode: number;
  /** Granted QoS, undefined when the server refused the filter. */
  qos: QoS | undefined;
}

export interface EndOptions {
  /** Do not wait for queued and in-flight messages. Default false. */
  force?: boolean;
  /** Overrides the `endTimeout` option, ms. */
  timeout?: number;
}
