export type {
  AuthenticateContext,
  AuthMethod,
  AuthStepContext,
  AuthStepResult,
  DeliveryContext,
  PublishContext,
  SubscribeContext,
} from './auth.js';
export { type AuthAnswer, type AuthHooks, type AuthVerdict, allow, type ClientInfo, deny } from './auth.js';
export { Broker, type BrokerEvents, createBroker } from './broker.js';
export { type DeliverMessage, LocalRouteBus, type RouteBus, type SharedRoute } from './cluster.js';
export { type RouteBusContractCase, routeBusContract } from './cluster-contract.js';
export type { ConnectionState, DisconnectInfo } from './connection.js';
export { BrokerProtocolError } from './errors.js';
export { createTcpListener, serverListener } from './listeners/tcp.js';
export { createTlsListener, createWssListener } from './listeners/tls.js';
export type {
  AcceptedTransport,
  AcceptTransport,
  ClientCertificate,
  CustomListenerConfig,
  Listener,
  ListenerAddress,
  ListenerConfig,
  ListenerFactories,
  ListenerFactory,
  TcpListenerConfig,
  TlsListenerConfig,
  TlsSettings,
  WsListenerConfig,
  WssListenerConfig,
} from './listeners/types.js';
export { attachWebSocket, closeWebSockets, createWsListener } from './listeners/ws.js';
export type { Logger } from './logger.js';
export type { Delivery, Message } from './message.js';
export {
  BROKER_VERSION,
  type BrokerLimits,
  type BrokerOptions,
  DEFAULT_LIMITS,
  DEFAULT_RESERVED_DESCRIPTORS,
  type QueuePolicy,
  type SysOptions,
} from './options.js';
export { type PersistenceContractCase, persistenceContract } from './persistence/contract.js';
export { MemoryPersistence } from './persistence/memory.js';
export type {
  Persistence,
  StoredOutgoing,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from './persistence/types.js';
export {
  ACL_ACCESS,
  Acl,
  type AclAccess,
  type AclConfig,
  type AclRule,
  type AclSubject,
  loadAclFile,
  parseAcl,
  type SubscribeDecision,
} from './security/acl.js';
export {
  hashPassword,
  loadPasswordFile,
  parsePasswordFile,
  setPasswordLine,
  verifyPassword,
} from './security/password-file.js';
export { createSecurity, type SecurityOptions } from './security/security.js';
export type { BrokerStats } from './stats.js';
