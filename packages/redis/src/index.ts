export { RedisBackendError, RedisBackendErrorCode } from './errors.js';
export { DEFAULT_PREFIX } from './keys.js';
export { RedisPersistence, type RedisPersistenceOptions } from './persistence.js';
export { DEFAULT_REDIS_URL, type RedisConnection } from './redis-client.js';
export { RedisRouteBus, type RedisRouteBusOptions } from './route-bus.js';
