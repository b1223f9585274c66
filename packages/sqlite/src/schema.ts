import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';
import type { Database } from './load-driver.js';

/** The columns of a message, the same in every table that holds one (see message-row.ts). */
const MESSAGE_COLUMNS = `
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  qos INTEGER NOT NULL,
  retain INTEGER NOT NULL,
  origin TEXT,
  expires_at INTEGER,
  properties TEXT`;

/**
 * Migrations by version: entry i takes a database from user_version i to i + 1. Released entries are
 * never edited; a change of layout is a new entry, so a file written by an older release is upgraded in
 * place when it is opened.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    client_id TEXT PRIMARY KEY,
    protocol_version INTEGER NOT NULL,
    expiry_interval INTEGER NOT NULL,
    disconnected_at INTEGER
  );
  CREATE TABLE subscriptions (
    client_id TEXT NOT NULL,
    topic_filter TEXT NOT NULL,
    subscription TEXT NOT NULL,
    UNIQUE (client_id, topic_filter)
  );
  CREATE TABLE outgoing (
    client_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    packet_id INTEGER,
    delivery_qos INTEGER NOT NULL,
    delivery_retain INTEGER NOT NULL,
    subscription_ids TEXT,${MESSAGE_COLUMNS},
    UNIQUE (client_id, seq)
  );
  CREATE TABLE incoming_qos2 (
    client_id TEXT NOT NULL,
    packet_id INTEGER NOT NULL,
    UNIQUE (client_id, packet_id)
  );
  CREATE TABLE retained (${MESSAGE_COLUMNS},
    PRIMARY KEY (topic)
  );
  CREATE TABLE wills (
    client_id TEXT PRIMARY KEY,
    publish_at INTEGER NOT NULL,
    expiry_seconds INTEGER,${MESSAGE_COLUMNS}
  );`,
  // 2: who opened each session (JSON {"username"?: string}; NULL for sessions stored before).
  `ALTER TABLE sessions ADD COLUMN owner TEXT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** "mqtt" in ASCII: marks the file as ours in the SQLite header (PRAGMA application_id). */
export const APPLICATION_ID = 0x6d717474;

function mismatch(message: string): never {
  throw new SqliteStoreError(SqliteStoreErrorCode.SchemaMismatch, message);
}

/**
 * Brings the schema to SCHEMA_VERSION inside one write transaction (all or nothing), refusing a file
 * from a newer release or from another application. BEGIN IMMEDIATE also takes the write lock, which
 * exclusive locking mode then keeps for the life of the connection.
 */
export function migrate(db: Database, file: string): void {
  db.transaction(() => {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
      mismatch(`${file} belongs to another application (application_id ${applicationId})`);
    }
    if (version > SCHEMA_VERSION) {
      mismatch(
        `${file} has schema version ${version}; this @mq/sqlite knows up to ${SCHEMA_VERSION}: upgrade @mq/sqlite`,
      );
    }
    if (applicationId === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as {
        n: number;
      };
      if (tables.n > 0) mismatch(`${file} is not an @mq/sqlite database (it has tables of its own)`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] ?? '');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
}
