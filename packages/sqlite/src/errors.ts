/** Stable codes of the errors this package throws. */
export const SqliteStoreErrorCode = {
  /** better-sqlite3 is not installed or its native binding was not built. */
  DriverUnavailable: 'DRIVER_UNAVAILABLE',
  /** Another connection (usually another broker process) holds the database. */
  Locked: 'LOCKED',
  /** The file was written by a newer schema, or is another application's database. */
  SchemaMismatch: 'SCHEMA_MISMATCH',
  /** A stored row could not be turned back into a value (hand-edited or corrupt). */
  BadRecord: 'BAD_RECORD',
  /** An operation after close(). */
  Closed: 'CLOSED',
} as const;
export type SqliteStoreErrorCode = (typeof SqliteStoreErrorCode)[keyof typeof SqliteStoreErrorCode];

/** Something this package refuses to do; `cause` carries the SQLite or loader error when there is one. */
export class SqliteStoreError extends Error {
  override readonly name = 'SqliteStoreError';
  readonly code: SqliteStoreErrorCode;

  constructor(code: SqliteStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
