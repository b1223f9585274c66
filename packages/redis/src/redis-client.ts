import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

/** How a backend reaches Redis: an ioredis client you own, a URL, or ioredis options. */
export type RedisConnection = Redis | string | RedisOptions;

/** Default when no connection is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** A client and whether close() should end it (we never end a client the caller passed in). */
export interface OpenedClient {
  redis: Redis;
  owned: boolean;
}

export function openClient(connection: RedisConnection | undefined): OpenedClient {
  if (connection instanceof Redis) return { redis: connection, owned: false };
  if (typeof connection === 'string' || connection === undefined) {
    return { redis: new Redis(connection ?? DEFAULT_REDIS_URL), owned: true };
  }
  return { redis: new Redis(connection), owned: true };
}

/** Ends a client we opened: QUIT after pending replies, or a hard disconnect if it is not connected. */
export async function closeClient(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/** A Lua script run by SHA, loaded on first use (or after a SCRIPT FLUSH). */
export class LuaScript {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Array<string | Buffer | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.#lua, keys.length, ...keys, ...args);
    }
  }
}
