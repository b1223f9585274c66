import type {
  Message,
  Persistence,
  StoredOutgoing,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from '@mq/broker';
import type { ProtocolVersion } from '@mq/codec';
import { RetainedIndex } from '@mq/topic-trie';
import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';
import { type Database, openDatabase } from './load-driver.js';
import { bad, fromRow, toQos, toRow } from './message-row.js';
import { migrate } from './schema.js';
import { type OutgoingRow, prepareStatements, type SessionRow, type Statements } from './statements.js';

export interface SqlitePersistenceOptions {
  /** Database file, created with its schema when missing; `':memory:'` for a private in-memory database. */
  path: string;
  /**
   * `'normal'` (default): a committed write survives a crash or SIGKILL of the broker process; a power
   * loss or OS crash may lose the last commits (never corrupts the file). `'full'`: also survives power
   * loss, at one fsync per write.
   */
  synchronous?: 'normal' | 'full';
  /** How long opening waits for another connection to let go of the file (default 5000 ms). */
  busyTimeoutMs?: number;
}

const OUTGOING_STATES = ['queued', 'publish', 'pubrel'] as const;
const PROTOCOL_VERSIONS: readonly number[] = [3, 4, 5];

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    bad(`stored ${what} is not JSON`, error);
  }
}

function sessionOf(row: SessionRow, subscriptions: StoredSubscription[]): StoredSession {
  if (!PROTOCOL_VERSIONS.includes(row.protocol_version))
    bad(`invalid protocol version ${row.protocol_version}`);
  const session: StoredSession = {
    clientId: row.client_id,
    protocolVersion: row.protocol_version as ProtocolVersion,
    expiryInterval: row.expiry_interval,
    subscriptions,
  };
  if (row.disconnected_at !== null) session.disconnectedAt = row.disconnected_at;
  if (row.owner !== null) session.owner = parseJson<{ username?: string }>(row.owner, 'session owner');
  return session;
}

function outgoingOf(row: OutgoingRow): StoredOutgoing {
  const state = OUTGOING_STATES.find((s) => s === row.state) ?? bad(`invalid outgoing state ${row.state}`);
  const entry: StoredOutgoing = {
    seq: row.seq,
    state,
    delivery: { message: fromRow(row), qos: toQos(row.delivery_qos), retain: row.delivery_retain === 1 },
  };
  if (row.packet_id !== null) entry.packetId = row.packet_id;
  if (row.subscription_ids !== null) {
    entry.delivery.subscriptionIds = parseJson<number[]>(row.subscription_ids, 'subscription ids');
  }
  return entry;
}

/**
 * Broker persistence in one SQLite file (better-sqlite3), for a single broker process.
 *
 * Every write runs synchronously inside the call, before the returned promise exists: the broker
 * fires writes and forgets them, then acknowledges (PUBACK, PUBREC, SUBACK), so by the time any
 * acknowledgement reaches the socket the row is committed. With WAL and synchronous=NORMAL a commit
 * is in the WAL file in the OS page cache, which a killed process cannot take back; SQLite replays the
 * WAL on the next open. Only an OS crash or power loss before the next checkpoint can drop the most
 * recent commits, hence `synchronous: 'full'` (fsync per commit) for those who need that too.
 *
 * Exclusive locking mode keeps the file to this connection until close(): a second broker on the same
 * file fails to open (code LOCKED) instead of interleaving its writes with ours.
 */
export class SqlitePersistence implements Persistence {
  readonly path: string;
  #db: Database | undefined;
  readonly #sql: Statements;
  /** Topic names of retained messages, for wildcard filters; the messages stay in the table. */
  readonly #retainedTopics = new RetainedIndex<true>();
  readonly #saveSession: (session: StoredSession) => void;
  readonly #deleteSession: (clientId: string) => void;
  readonly #inTransaction: (writes: () => unknown) => unknown;

  constructor(options: SqlitePersistenceOptions | string) {
    const {
      path,
      synchronous = 'normal',
      busyTimeoutMs = 5000,
    } = typeof options === 'string' ? { path: options } : options;
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('path must be a non-empty string');
    if (synchronous !== 'normal' && synchronous !== 'full') {
      throw new TypeError(`synchronous must be 'normal' or 'full', got ${String(synchronous)}`);
    }
    this.path = path;
    const db = openDatabase(path, busyTimeoutMs);
    try {
      // Before the first access: with exclusive locking WAL needs no shared-memory file.
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
      migrate(db, path);
      this.#sql = prepareStatements(db);
    } catch (error) {
      db.close();
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
        throw new SqliteStoreError(
          SqliteStoreErrorCode.Locked,
          `${path} is in use by another process (is another broker running on it?)`,
          { cause: error },
        );
      }
      throw error;
    }
    this.#db = db;
    for (const { topic } of this.#sql.retainedTopics.iterate()) this.#retainedTopics.set(topic, true);

    const sql = this.#sql;
    this.#saveSession = db.transaction((session: StoredSession) => {
      sql.upsertSession.run({
        client_id: session.clientId,
        protocol_version: session.protocolVersion,
        expiry_interval: session.expiryInterval,
        disconnected_at: session.disconnectedAt ?? null,
        owner: session.owner === undefined ? null : JSON.stringify(session.owner),
      });
      sql.deleteSubscriptions.run(session.clientId);
      for (const sub of session.subscriptions) this.#putSubscription(session.clientId, sub);
    });
    this.#inTransaction = db.transaction((writes: () => unknown) => writes());
    this.#deleteSession = db.transaction((clientId: string) => {
      sql.deleteSession.run(clientId);
      sql.deleteSubscriptions.run(clientId);
      sql.deleteOutgoing.run(clientId);
      sql.deleteIncomingQos2.run(clientId);
    });
  }

  /** The statements, or a CLOSED error once close() has run. */
  #open(): Statements {
    if (this.#db === undefined) {
      throw new SqliteStoreError(SqliteStoreErrorCode.Closed, `${this.path}: persistence is closed`);
    }
    return this.#sql;
  }

  #putSubscription(clientId: string, sub: StoredSubscription): void {
    this.#sql.putSubscription.run({
      client_id: clientId,
      topic_filter: sub.topicFilter,
      subscription: JSON.stringify(sub),
    });
  }

  async saveSession(session: StoredSession): Promise<void> {
    this.#open();
    this.#saveSession(session);
  }

  async getSession(clientId: string): Promise<StoredSession | undefined> {
    const sql = this.#open();
    const row = sql.getSession.get(clientId);
    if (row === undefined) return undefined;
    return sessionOf(
      row,
      sql.subscriptionsOf.all(clientId).map((s) => parseJson(s.subscription, 'subscription')),
    );
  }

  async deleteSession(clientId: string): Promise<void> {
    this.#open();
    this.#deleteSession(clientId);
  }

  async listSessions(): Promise<StoredSession[]> {
    const sql = this.#open();
    const byClient = new Map<string, StoredSubscription[]>();
    for (const row of sql.allSubscriptions.iterate()) {
      const list = byClient.get(row.client_id) ?? [];
      if (list.length === 0) byClient.set(row.client_id, list);
      list.push(parseJson(row.subscription, 'subscription'));
    }
    return sql.listSessions.all().map((row) => sessionOf(row, byClient.get(row.client_id) ?? []));
  }

  async addSubscription(clientId: string, subscription: StoredSubscription): Promise<void> {
    this.#open();
    this.#putSubscription(clientId, subscription);
  }

  async removeSubscription(clientId: string, topicFilter: string): Promise<void> {
    this.#open().removeSubscription.run(clientId, topicFilter);
  }

  /**
   * One transaction around `writes`: each store method runs its statement before it returns its promise,
   * so every write `writes` makes commits together (or, if it throws, none does).
   */
  atomically<T>(writes: () => T): T {
    // Closed: each write rejects on its own, as outside a transaction.
    if (this.#db === undefined) return writes();
    return this.#inTransaction(writes) as T;
  }

  async putOutgoing(clientId: string, entry: StoredOutgoing): Promise<void> {
    const { delivery } = entry;
    this.#open().putOutgoing.run({
      client_id: clientId,
      seq: entry.seq,
      state: entry.state,
      packet_id: entry.packetId ?? null,
      delivery_qos: delivery.qos,
      delivery_retain: delivery.retain ? 1 : 0,
      subscription_ids:
        delivery.subscriptionIds === undefined ? null : JSON.stringify(delivery.subscriptionIds),
      ...toRow(delivery.message),
    });
  }

  async removeOutgoing(clientId: string, seq: number): Promise<void> {
    this.#open().removeOutgoing.run(clientId, seq);
  }

  async listOutgoing(clientId: string): Promise<StoredOutgoing[]> {
    return this.#open().listOutgoing.all(clientId).map(outgoingOf);
  }

  async addIncomingQos2(clientId: string, packetId: number): Promise<void> {
    this.#open().addIncomingQos2.run({ client_id: clientId, packet_id: packetId });
  }

  async removeIncomingQos2(clientId: string, packetId: number): Promise<void> {
    this.#open().removeIncomingQos2.run(clientId, packetId);
  }

  async listIncomingQos2(clientId: string): Promise<number[]> {
    return this.#open()
      .listIncomingQos2.all(clientId)
      .map((r) => r.packet_id);
  }

  async putRetained(message: Message): Promise<void> {
    const sql = this.#open();
    if (message.payload.length === 0) {
      sql.deleteRetained.run(message.topic);
      this.#retainedTopics.delete(message.topic);
      return;
    }
    sql.putRetained.run(toRow(message));
    this.#retainedTopics.set(message.topic, true);
  }

  async matchRetained(topicFilter: string): Promise<Message[]> {
    const sql = this.#open();
    const topics: string[] = [];
    this.#retainedTopics.match(topicFilter, (topic) => topics.push(topic));
    const out: Message[] = [];
    for (const topic of topics) {
      const row = sql.getRetained.get(topic);
      if (row !== undefined) out.push(fromRow(row));
    }
    return out;
  }

  async countRetained(): Promise<number> {
    this.#open();
    return this.#retainedTopics.size;
  }

  async putWill(will: StoredWill): Promise<void> {
    this.#open().putWill.run({
      client_id: will.clientId,
      publish_at: will.publishAt,
      expiry_seconds: will.expirySeconds ?? null,
      ...toRow(will.message),
    });
  }

  async deleteWill(clientId: string): Promise<void> {
    this.#open().deleteWill.run(clientId);
  }

  async listWills(): Promise<StoredWill[]> {
    return this.#open()
      .listWills.all()
      .map((row) => {
        const will: StoredWill = {
          clientId: row.client_id,
          message: fromRow(row),
          publishAt: row.publish_at,
        };
        if (row.expiry_seconds !== null) will.expirySeconds = row.expiry_seconds;
        return will;
      });
  }

  /** Checkpoints the WAL into the main file and closes; idempotent, later calls of other methods reject. */
  async close(): Promise<void> {
    const db = this.#db;
    if (db === undefined) return;
    this.#db = undefined;
    db.close();
  }
}
