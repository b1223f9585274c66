export { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';
export { SqlitePersistence, type SqlitePersistenceOptions } from './persistence.js';
export { SCHEMA_VERSION } from './schema.js';
