/** Everything both entry points (Node and browser) export; only the transport differs. */
export { ReasonCode, reasonCodeName } from '@mq/codec';
export { BACKOFF_DEFAULTS, type BackoffOptions, backoffDelay } from './backoff.js';
export { MqttClient } from './client.js';
export type {
  ClientEvents,
  ConnectInfo,
  ConnectionState,
  EndOptions,
  PublishOptions,
  ServerDisconnect,
  SubscribeOptions,
  SubscribeResult,
  SubscriptionRequest,
} from './client-types.js';
export {
  ClientErrorCode,
  isMqttClientError,
  MqttClientError,
  type MqttClientErrorOptions,
} from './errors.js';
export type { Message } from './message.js';
export type { AuthChallenge, ClientOptions, WillOptions } from './options.js';
export type { PublishResult } from './outgoing.js';
export { MemoryStore } from './store/memory.js';
export type { MessageStore, StoredChange, StoredMessage, StoredState } from './store/types.js';
export type { MessageHandler } from './subscriptions.js';
export { topicMatches } from './topic-match.js';
export type { TlsOptions, Transport, TransportFactory, TransportHandlers } from './transports/types.js';
