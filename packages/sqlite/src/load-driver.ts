import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';

export type Database = BetterSqlite3.Database;
type Driver = typeof BetterSqlite3;

let driver: Driver | undefined;

const HINT =
  'better-sqlite3 compiles a native addon when it is installed: it needs python3, make and a C++ compiler, and ' +
  'without network access to nodejs.org the Node headers (npm_config_nodedir=/usr on Debian). ' +
  'Install those, then run `npm rebuild better-sqlite3` (or `pnpm rebuild better-sqlite3`).';

/** Errors that mean "the addon is not there", as opposed to a file that cannot be opened. */
function isMissingAddon(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_DLOPEN_FAILED') return true;
  return error instanceof Error && error.message.includes('bindings file');
}

/**
 * better-sqlite3 is an optional dependency, required on first use rather than imported: an install
 * that could not compile it still loads this package (and a broker that does not use it), and the
 * first `SqlitePersistence` says what to do instead of failing at import.
 */
export function openDatabase(path: string, timeoutMs: number): Database {
  try {
    driver ??= createRequire(import.meta.url)('better-sqlite3') as Driver;
    return new driver(path, { timeout: timeoutMs });
  } catch (error) {
    if (!isMissingAddon(error)) throw error;
    throw new SqliteStoreError(
      SqliteStoreErrorCode.DriverUnavailable,
      `better-sqlite3 is not usable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}. ${HINT}`,
      { cause: error },
    );
  }
}
