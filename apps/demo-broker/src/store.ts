import type { Persistence } from '@mq/broker';
import { SqlitePersistence } from '@mq/sqlite';
import type { Config, StoreConfig } from './config-schema.js';
import { StartupError } from './errors.js';

/** For the start-up log: what the store is and what survives a restart. */
export function describeStore(store: StoreConfig): string {
  return store.type === 'sqlite'
    ? `SQLite store at ${store.path} (survives restarts)`
    : 'in-memory store (nothing survives a restart)';
}

/**
 * The persistence for `config.store`, or undefined for the broker's own in-memory one. A SQLite file
 * that cannot be opened (missing directory, another broker on it, driver not built) stops start-up
 * with a message naming the `store` setting.
 */
export function openStore(config: Config): Persistence | undefined {
  const { store } = config;
  if (store.type === 'memory') return undefined;
  if (config.cluster) {
    throw new StartupError(
      'ERR_CONFIG',
      `store: sqlite:${store.path} cannot be combined with cluster mode, which keeps sessions in Redis; drop one of them`,
    );
  }
  try {
    return new SqlitePersistence({ path: store.path });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new StartupError('ERR_CONFIG', `store: cannot open sqlite:${store.path}: ${detail}`, {
      cause: error,
    });
  }
}
