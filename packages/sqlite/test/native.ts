import { SqliteStoreError, SqliteStoreErrorCode } from '../src/errors.js';
import { SqlitePersistence } from '../src/persistence.js';

/**
 * Whether better-sqlite3's native addon loads. Outside CI a missing addon skips the tests that need it,
 * with a notice; under CI (CI=true) it is an error, so those tests can never silently skip.
 */
export function hasSqliteDriver(): boolean {
  try {
    new SqlitePersistence(':memory:').close();
    return true;
  } catch (error) {
    if (!(error instanceof SqliteStoreError) || error.code !== SqliteStoreErrorCode.DriverUnavailable)
      throw error;
    if (process.env.CI) {
      throw new Error(`better-sqlite3 is required under CI: ${error.message}`, { cause: error });
    }
    console.warn(`NOTICE: ${error.message}\nSkipping the tests that need SQLite.`);
    return false;
  }
}
