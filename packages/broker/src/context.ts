import type { AuthHooks, ClientInfo } from './auth.js';
import type { Connection } from './connection.js';
import type { Logger } from './logger.js';
import type { Message } from './message.js';
import type { ResolvedOptions } from './options.js';
import type { Persistence, StoredSubscription } from './persistence/types.js';
import type { Router } from './router.js';
import type { Session } from './session.js';
import type { BrokerStats } from './stats.js';
import type { WillManager } from './will.js';

/** What handlers and connections see of the broker. */
export interface BrokerContext {
  readonly options: ResolvedOptions;
  readonly stats: BrokerStats;
  readonly logger: Logger;
  readonly persistence: Persistence;
  readonly auth: AuthHooks;
  readonly router: Router;
  readonly wills: WillManager;
  readonly sessions: Map<string, Session>;
  /** Live connections by client id (after a successful CONNECT). */
  readonly connections: Map<string, Connection>;
  createSession(clientId: string, connection: Connection, expiryInterval: number): Session;
  /** Ends a session: subscriptions and messages dropped, its pending will published. */
  endSession(session: Session): void;
  /** The connection stops owning its client id and session (close or takeover). */
  detach(connection: Connection): void;
  connectionClosed(connection: Connection): void;
  clientInfo(connection: Connection): ClientInfo;
  emitConnected(connection: Connection, sessionPresent: boolean): void;
  emitPublish(message: Message, connection: Connection | undefined): void;
  emitSubscribe(connection: Connection, subscriptions: StoredSubscription[]): void;
  emitUnsubscribe(connection: Connection, topicFilters: string[]): void;
  emitClientError(connection: Connection, error: Error): void;
}
