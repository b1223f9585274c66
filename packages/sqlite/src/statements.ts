import type { Database } from './load-driver.js';
import type { MessageRow } from './message-row.js';

export interface SessionRow {
  client_id: string;
  protocol_version: number;
  expiry_interval: number;
  disconnected_at: number | null;
  owner: string | null;
}

export interface SubscriptionRow {
  client_id: string;
  topic_filter: string;
  subscription: string;
}

export interface OutgoingRow extends MessageRow {
  client_id: string;
  seq: number;
  state: string;
  packet_id: number | null;
  delivery_qos: number;
  delivery_retain: number;
  subscription_ids: string | null;
}

export interface WillRow extends MessageRow {
  client_id: string;
  publish_at: number;
  expiry_seconds: number | null;
}

const MESSAGE_NAMES = ['topic', 'payload', 'qos', 'retain', 'origin', 'expires_at', 'properties'] as const;

/** `INSERT ... SELECT` of these columns, only while the client has a session (a late write must not revive one). */
function insertForSession(table: string, columns: readonly string[], conflict: string): string {
  const values = columns.map((c) => `@${c}`).join(', ');
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values}
    WHERE EXISTS (SELECT 1 FROM sessions WHERE client_id = @client_id) ${conflict}`;
}

function upsert(table: string, columns: readonly string[], key: readonly string[]): string {
  const values = columns.map((c) => `@${c}`).join(', ');
  const updates = columns.filter((c) => !key.includes(c)).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values})
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
}

const OUTGOING_COLUMNS = [
  'client_id',
  'seq',
  'state',
  'packet_id',
  'delivery_qos',
  'delivery_retain',
  'subscription_ids',
  ...MESSAGE_NAMES,
] as const;
const WILL_COLUMNS = ['client_id', 'publish_at', 'expiry_seconds', ...MESSAGE_NAMES] as const;
const SESSION_COLUMNS = [
  'client_id',
  'protocol_version',
  'expiry_interval',
  'disconnected_at',
  'owner',
] as const;

/** The part of better-sqlite3's Statement used here, so the types below do not depend on its typings. */
export interface Statement<P extends unknown[], R = unknown> {
  run(...params: P): unknown;
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
}
type Run<P> = Statement<[P]>;
type ById = Statement<[string]>;

/** Every statement, prepared once when the database opens; all SQL of the package is here and in schema.ts. */
export function prepareStatements(db: Database) {
  const byClient = (table: string) => db.prepare(`DELETE FROM ${table} WHERE client_id = ?`) as ById;
  return {
    upsertSession: db.prepare(upsert('sessions', SESSION_COLUMNS, ['client_id'])) as Run<SessionRow>,
    getSession: db.prepare('SELECT * FROM sessions WHERE client_id = ?') as Statement<[string], SessionRow>,
    listSessions: db.prepare('SELECT * FROM sessions ORDER BY rowid') as Statement<[], SessionRow>,
    deleteSession: byClient('sessions'),
    deleteSubscriptions: byClient('subscriptions'),
    deleteOutgoing: byClient('outgoing'),
    deleteIncomingQos2: byClient('incoming_qos2'),

    putSubscription: db.prepare(
      insertForSession(
        'subscriptions',
        ['client_id', 'topic_filter', 'subscription'],
        'ON CONFLICT (client_id, topic_filter) DO UPDATE SET subscription = excluded.subscription',
      ),
    ) as Run<SubscriptionRow>,
    removeSubscription: db.prepare(
      'DELETE FROM subscriptions WHERE client_id = ? AND topic_filter = ?',
    ) as Statement<[string, string]>,
    subscriptionsOf: db.prepare(
      'SELECT * FROM subscriptions WHERE client_id = ? ORDER BY rowid',
    ) as Statement<[string], SubscriptionRow>,
    allSubscriptions: db.prepare('SELECT * FROM subscriptions ORDER BY rowid') as Statement<
      [],
      SubscriptionRow
    >,

    putOutgoing: db.prepare(
      insertForSession(
        'outgoing',
        OUTGOING_COLUMNS,
        `ON CONFLICT (client_id, seq) DO UPDATE SET ${OUTGOING_COLUMNS.slice(2)
          .map((c) => `${c} = excluded.${c}`)
          .join(', ')}`,
      ),
    ) as Run<OutgoingRow>,
    removeOutgoing: db.prepare('DELETE FROM outgoing WHERE client_id = ? AND seq = ?') as Statement<
      [string, number]
    >,
    listOutgoing: db.prepare('SELECT * FROM outgoing WHERE client_id = ? ORDER BY seq') as Statement<
      [string],
      OutgoingRow
    >,

    addIncomingQos2: db.prepare(
      insertForSession('incoming_qos2', ['client_id', 'packet_id'], 'ON CONFLICT DO NOTHING'),
    ) as Run<{ client_id: string; packet_id: number }>,
    removeIncomingQos2: db.prepare(
      'DELETE FROM incoming_qos2 WHERE client_id = ? AND packet_id = ?',
    ) as Statement<[string, number]>,
    listIncomingQos2: db.prepare(
      'SELECT packet_id FROM incoming_qos2 WHERE client_id = ? ORDER BY rowid',
    ) as Statement<[string], { packet_id: number }>,

    putRetained: db.prepare(upsert('retained', MESSAGE_NAMES, ['topic'])) as Run<MessageRow>,
    deleteRetained: db.prepare('DELETE FROM retained WHERE topic = ?') as ById,
    getRetained: db.prepare('SELECT * FROM retained WHERE topic = ?') as Statement<[string], MessageRow>,
    retainedTopics: db.prepare('SELECT topic FROM retained') as Statement<[], { topic: string }>,

    putWill: db.prepare(upsert('wills', WILL_COLUMNS, ['client_id'])) as Run<WillRow>,
    deleteWill: byClient('wills'),
    listWills: db.prepare('SELECT * FROM wills ORDER BY rowid') as Statement<[], WillRow>,
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
