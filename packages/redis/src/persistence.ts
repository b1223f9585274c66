import type {
  Message,
  Persistence,
  StoredOutgoing,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from '@mq/broker';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX, type RedisKeys, redisKeys } from './keys.js';
import { decodeOutgoing, decodeWill, encodeOutgoing, encodeWill } from './records.js';
import { closeClient, LuaScript, openClient, type RedisConnection } from './redis-client.js';
import { RetainedStore } from './retained-store.js';

export interface RedisPersistenceOptions {
  /** An ioredis client (left open by close()), a redis:// URL or ioredis options. Default redis://127.0.0.1:6379. */
  redis?: RedisConnection;
  /** Prefix of every key. Default 'mq:'. */
  prefix?: string;
  /** Length the retained change log is capped at (approximately). Default 10000. */
  retainedLogLength?: number;
  /**
   * Heartbeat period of a cluster node's liveness key, in ms (the key lives 3 periods), when the node joins
   * without a RedisRouteBus. An attached bus keeps the key alive itself, with its own timings. Default 5000.
   */
  heartbeatMs?: number;
  /**
   * Receives failed writes and connection errors. Default: the broker's logger once a RedisRouteBus is
   * attached, else console.error.
   */
  onError?: (error: Error) => void;
}

/** Session fields kept in the sessions hash; subscriptions live in their own hash. */
type SessionRecord = Omit<StoredSession, 'clientId' | 'subscriptions'>;

/**
 * Keeps the ids (from ARGV[3] on) whose session or will this node may restore: not held by another
 * live node. With a node id (ARGV[1]) it also takes them over, atomically, so two nodes restarting at
 * once never restore the same session.
 */
const ADOPT = new LuaScript(`
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local owner = redis.call('HGET', KEYS[1], id)
  if (not owner) or owner == ARGV[1] or redis.call('EXISTS', ARGV[2] .. owner) == 0 then
    if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], id, ARGV[1]) end
    out[#out + 1] = id
  end
end
return out
`);

/** The owner of a client's session if that node is alive, else nil. */
const LIVE_OWNER = new LuaScript(`
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner and redis.call('EXISTS', ARGV[2] .. owner) == 1 then return owner end
return false
`);

/**
 * Broker persistence in Redis: sessions, subscriptions, outgoing and inbound QoS 2 state per client,
 * retained messages and wills, all under one key prefix. Messages are binary records (see records.ts).
 * All commands go through one connection, so writes for a key apply in call order, and `flush()`
 * resolves once every earlier write has been applied.
 *
 * Writes never reject: the broker fires them without awaiting, so a rejection would be unhandled and
 * end the process; a failed write goes to `onError` instead. Reads reject as usual.
 *
 * In a cluster (see RedisRouteBus.attach) it also records which node holds each session in memory,
 * and restores on start only the sessions and wills no live node holds.
 */
export class RedisPersistence implements Persistence {
  readonly redis: Redis;
  readonly prefix: string;
  readonly #keys: RedisKeys;
  readonly #owned: boolean;
  readonly #retained: RetainedStore;
  readonly #heartbeatMs: number;
  #onError: ((error: Error) => void) | undefined;
  #nodeId: string | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  /** Writes issued and not yet applied (see whenDurable). */
  readonly #pending = new Set<Promise<void>>();

  constructor(options: RedisPersistenceOptions = {}) {
    const { redis, owned } = openClient(options.redis);
    this.redis = redis;
    this.#owned = owned;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#keys = redisKeys(this.prefix);
    this.#heartbeatMs = options.heartbeatMs ?? 5000;
    this.#onError = options.onError;
    // Without a listener ioredis prints every reconnect failure as an unhandled error event.
    if (owned) redis.on('error', (err: Error) => this.#report(err));
    this.#retained = new RetainedStore(redis, this.#keys, options.retainedLogLength ?? 10_000);
  }

  /** The cluster node this persistence serves, once joined. */
  get nodeId(): string | undefined {
    return this.#nodeId;
  }

  saveSession(session: StoredSession): Promise<void> {
    return this.#write(async () => {
      const { clientId, subscriptions, ...rest } = session;
      const record: SessionRecord = rest;
      const subsKey = this.#keys.subscriptions(clientId);
      const multi = this.redis
        .multi()
        .hset(this.#keys.sessions, clientId, JSON.stringify(record))
        .del(subsKey);
      for (const sub of subscriptions) multi.hset(subsKey, sub.topicFilter, JSON.stringify(sub));
      await multi.exec();
    });
  }

  async getSession(clientId: string): Promise<StoredSession | undefined> {
    const replies = await this.redis
      .multi()
      .hget(this.#keys.sessions, clientId)
      .hgetall(this.#keys.subscriptions(clientId))
      .exec();
    const record = replies?.[0]?.[1] as string | null | undefined;
    if (!record) return undefined;
    return toSession(clientId, record, (replies?.[1]?.[1] ?? {}) as Record<string, string>);
  }

  deleteSession(clientId: string): Promise<void> {
    return this.#write(async () => {
      const k = this.#keys;
      await this.redis
        .multi()
        .hdel(k.sessions, clientId)
        .del(k.subscriptions(clientId), k.outgoing(clientId), k.incomingQos2(clientId))
        .hdel(k.owners, clientId)
        .exec();
    });
  }

  async listSessions(): Promise<StoredSession[]> {
    const all = await this.redis.hgetall(this.#keys.sessions);
    const ids = await this.#restorable(Object.keys(all));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.#keys.subscriptions(id));
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((id, i) => toSession(id, all[id]!, (replies[i]?.[1] ?? {}) as Record<string, string>));
  }

  addSubscription(clientId: string, subscription: StoredSubscription): Promise<void> {
    return this.#write(async () => {
      await this.redis.hset(
        this.#keys.subscriptions(clientId),
        subscription.topicFilter,
        JSON.stringify(subscription),
      );
    });
  }

  removeSubscription(clientId: string, topicFilter: string): Promise<void> {
    return this.#write(async () => {
      await this.redis.hdel(this.#keys.subscriptions(clientId), topicFilter);
    });
  }

  putOutgoing(clientId: string, entry: StoredOutgoing): Promise<void> {
    return this.#write(async () => {
      await this.redis.hset(this.#keys.outgoing(clientId), String(entry.seq), encodeOutgoing(entry));
    });
  }

  removeOutgoing(clientId: string, seq: number): Promise<void> {
    return this.#write(async () => {
      await this.redis.hdel(this.#keys.outgoing(clientId), String(seq));
    });
  }

  async listOutgoing(clientId: string): Promise<StoredOutgoing[]> {
    const records = await this.redis.hgetallBuffer(this.#keys.outgoing(clientId));
    return Object.values(records)
      .map(decodeOutgoing)
      .sort((a, b) => a.seq - b.seq);
  }

  addIncomingQos2(clientId: string, packetId: number): Promise<void> {
    return this.#write(async () => {
      await this.redis.sadd(this.#keys.incomingQos2(clientId), packetId);
    });
  }

  removeIncomingQos2(clientId: string, packetId: number): Promise<void> {
    return this.#write(async () => {
      await this.redis.srem(this.#keys.incomingQos2(clientId), packetId);
    });
  }

  async listIncomingQos2(clientId: string): Promise<number[]> {
    const ids = await this.redis.smembers(this.#keys.incomingQos2(clientId));
    return ids.map(Number).sort((a, b) => a - b);
  }

  putRetained(message: Message): Promise<void> {
    return this.#write(() => this.#retained.put(message));
  }

  matchRetained(topicFilter: string): Promise<Message[]> {
    return this.#retained.match(topicFilter);
  }

  countRetained(): Promise<number> {
    return this.#retained.count();
  }

  putWill(will: StoredWill): Promise<void> {
    return this.#write(async () => {
      await this.redis.hset(this.#keys.wills, will.clientId, encodeWill(will));
    });
  }

  deleteWill(clientId: string): Promise<void> {
    return this.#write(async () => {
      await this.redis.hdel(this.#keys.wills, clientId);
    });
  }

  async listWills(): Promise<StoredWill[]> {
    const records = await this.redis.hgetallBuffer(this.#keys.wills);
    const ids = new Set(await this.#restorable(Object.keys(records)));
    return Object.entries(records)
      .filter(([id]) => ids.has(id))
      .map(([, record]) => decodeWill(record));
  }

  // --- cluster support (used by RedisRouteBus.attach) ---------------------------------------------

  /**
   * Records ownership under `nodeId` and marks the node alive: a key with a TTL, refreshed every
   * `heartbeatMs`. With `heartbeat: false` the caller refreshes that key (RedisRouteBus does, with its
   * own dead-after window): two writers with different TTLs would leave a dead node's key alive for
   * whichever TTL was written last.
   */
  async joinCluster(
    nodeId: string,
    onError?: (error: Error) => void,
    { heartbeat = true }: { heartbeat?: boolean } = {},
  ): Promise<void> {
    this.#nodeId = nodeId;
    this.#onError ??= onError;
    if (!heartbeat) return;
    const beat = () => this.redis.set(this.#keys.node(nodeId), '1', 'PX', this.#heartbeatMs * 3);
    this.#heartbeat ??= setInterval(() => {
      beat().catch((err: Error) => this.#report(err));
    }, this.#heartbeatMs);
    this.#heartbeat.unref();
    await beat();
  }

  /** Records that this node now holds the client's session in memory. */
  async setOwner(clientId: string): Promise<void> {
    if (this.#nodeId !== undefined) await this.redis.hset(this.#keys.owners, clientId, this.#nodeId);
  }

  /** The live node holding the client's session, if any (a crashed node's claim has lapsed). */
  async liveOwner(clientId: string): Promise<string | undefined> {
    const owner = await LIVE_OWNER.run(this.redis, [this.#keys.owners], [clientId, this.#keys.nodePrefix]);
    return typeof owner === 'string' ? owner : undefined;
  }

  /** Resolves once every write issued before it has been applied by Redis. */
  async flush(): Promise<void> {
    await this.redis.ping();
  }

  /** Idempotent; ends the connection only if this instance opened it. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    if (this.#nodeId !== undefined && this.redis.status === 'ready') {
      await this.redis.del(this.#keys.node(this.#nodeId)).catch(() => {});
    }
    if (this.#owned) await closeClient(this.redis);
  }

  /**
   * Settles once every write issued so far has been applied by Redis (undefined when none is pending):
   * the broker holds PUBACK/PUBREC until then, so an acknowledged message is in Redis before the
   * publisher hears of it. Only the writes pending now are awaited, not later ones, so a steady stream of
   * writes cannot hold an acknowledgement back for ever.
   */
  whenDurable(): Promise<void> | undefined {
    const pending = this.#pending;
    if (pending.size === 0) return undefined;
    if (pending.size === 1) return pending.values().next().value;
    return Promise.all(pending).then(noop);
  }

  /** Runs a write; a failure is reported, never thrown (see the class comment). */
  #write(run: () => Promise<unknown>): Promise<void> {
    const done = run().then(noop, (err: unknown) => this.#report(err));
    this.#pending.add(done);
    void done.then(() => this.#pending.delete(done));
    return done;
  }

  #report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.#onError) this.#onError(error);
    else console.error('@mq/redis persistence:', error);
  }

  async #restorable(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const kept = await ADOPT.run(
      this.redis,
      [this.#keys.owners],
      [this.#nodeId ?? '', this.#keys.nodePrefix, ...ids],
    );
    return kept as string[];
  }
}

function toSession(clientId: string, record: string, subs: Record<string, string>): StoredSession {
  const fields = JSON.parse(record) as SessionRecord;
  const subscriptions = Object.values(subs).map((s) => JSON.parse(s) as StoredSubscription);
  return { ...fields, clientId, subscriptions };
}

function noop(): void {}
