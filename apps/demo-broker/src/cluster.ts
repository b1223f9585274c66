import type { Broker } from '@mq/broker';
import { RedisPersistence, RedisRouteBus } from '@mq/redis';
import type { ClusterConfig } from './config-schema.js';
import { StartupError } from './errors.js';

export interface ClusterBackends {
  persistence: RedisPersistence;
  routeBus: RedisRouteBus;
  /** Lets sessions move between nodes; call once, before listen(). */
  attach(broker: Broker): void;
}

/** Redis persistence and route bus on one URL and prefix, as packages/redis/README.md wires them. */
export function createClusterBackends(cluster: ClusterConfig): ClusterBackends {
  const { url, prefix } = cluster.redis;
  const routeBus = routeBusFor(cluster);
  const persistence = new RedisPersistence({ redis: url, ...(prefix === undefined ? {} : { prefix }) });
  return { persistence, routeBus, attach: (broker) => routeBus.attach(broker, persistence) };
}

/** The bus, or a config error naming the field when its heartbeat timings do not fit together. */
function routeBusFor(cluster: ClusterConfig): RedisRouteBus {
  const { url, prefix } = cluster.redis;
  try {
    return new RedisRouteBus({
      redis: url,
      ...(prefix === undefined ? {} : { prefix }),
      ...(cluster.nodeId === undefined ? {} : { nodeId: cluster.nodeId }),
      ...(cluster.heartbeatMs === undefined ? {} : { heartbeatMs: cluster.heartbeatMs }),
      ...(cluster.deadAfterMs === undefined ? {} : { deadAfterMs: cluster.deadAfterMs }),
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new StartupError('ERR_CONFIG', `cluster.deadAfterMs: ${error.message}`, { cause: error });
  }
}

/** The URL without a password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** How long start-up waits for Redis before giving up with exit code 1. */
export const REDIS_START_TIMEOUT_MS = 10_000;

/**
 * Resolves with `work`, or rejects with `message` once `ms` pass: ioredis retries an unreachable server
 * for ever, and a node that never reaches Redis must say so instead of hanging at start-up.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
