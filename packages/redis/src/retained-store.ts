import type { Message } from '@mq/broker';
import { RetainedIndex } from '@mq/topic-trie';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import { decodeMessage, encodeMessage } from './records.js';
import { LuaScript } from './redis-client.js';

/**
 * Stores a retained message (or deletes it for an empty record), bumps the change counter and logs the
 * topic in a capped stream, atomically, so every node can catch its topic cache up from the log.
 */
const PUT = new LuaScript(`
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
local v = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'v', v, 't', ARGV[1], 'd', ARGV[2] == '' and '1' or '0')
return v
`);

const hasWildcard = (filter: string) => filter.includes('+') || filter.includes('#');

/**
 * Retained messages: the messages live in one Redis hash (topic -> binary message); each node keeps only
 * the *topics* in an in-process RetainedIndex so a wildcard lookup walks the trie instead of scanning
 * every key, then fetches just the matching messages with one HMGET.
 *
 * Coherence across nodes: every change goes through PUT (hash + counter + capped stream log in one
 * script). Before a wildcard match a node reads the counter and the log entries after its position in
 * one MULTI; no change costs one round trip, changes are applied from the log, and a node that fell
 * behind the cap (or starts cold) reloads all topics (HKEYS). A lookup therefore sees every change
 * that Redis applied before it, on any node. Exact filters skip the cache (one HGET).
 *
 * Trade-off: each node holds every retained topic name in memory (not the payloads), and a wildcard
 * subscribe costs two round trips instead of one SCAN over the keyspace.
 */
export class RetainedStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #logLength: number;
  readonly #topics = new RetainedIndex<true>({ limits: { maxLevels: 65535 } });
  /** Change counter the cache reflects; -1 before the first load. */
  #version = -1;
  #logPosition = '0-0';
  #sync: Promise<void> = Promise.resolve();

  constructor(redis: Redis, keys: RedisKeys, logLength: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#logLength = logLength;
  }

  async put(message: Message): Promise<void> {
    const record = message.payload.length === 0 ? '' : encodeMessage(message);
    const k = this.#keys;
    await PUT.run(
      this.#redis,
      [k.retained, k.retainedVersion, k.retainedLog],
      [message.topic, record, this.#logLength],
    );
  }

  async match(filter: string): Promise<Message[]> {
    if (!hasWildcard(filter)) {
      const record = await this.#redis.hgetBuffer(this.#keys.retained, filter);
      return record ? [decodeMessage(record)] : [];
    }
    // One catch-up at a time, each started after the call: a lookup sees what was stored before it.
    const synced = this.#sync.then(() => this.#catchUp());
    this.#sync = synced.catch(() => {});
    await synced;
    const topics: string[] = [];
    this.#topics.match(filter, (topic) => topics.push(topic));
    if (topics.length === 0) return [];
    const records = await this.#redis.hmgetBuffer(this.#keys.retained, ...topics);
    const out: Message[] = [];
    for (const record of records) if (record) out.push(decodeMessage(record));
    return out;
  }

  async count(): Promise<number> {
    return this.#redis.hlen(this.#keys.retained);
  }

  /** Number of topics in this node's cache (for tests and metrics). */
  get cachedTopics(): number {
    return this.#topics.size;
  }

  async #catchUp(): Promise<void> {
    if (this.#version < 0) return this.#reload();
    const k = this.#keys;
    const replies = await this.#redis
      .multi()
      .get(k.retainedVersion)
      .xrange(k.retainedLog, `(${this.#logPosition}`, '+')
      .exec();
    const current = Number(replies?.[0]?.[1] ?? 0);
    const entries = (replies?.[1]?.[1] ?? []) as Array<[string, string[]]>;
    const first = entries[0];
    // Up to date only if the counter agrees and the log holds nothing newer: after Redis restarted empty
    // the counter starts again and can land on the cached value while the contents differ.
    if (!first && current === this.#version) return;
    // A gap (entries trimmed away, or the keys were reset) means the log cannot be replayed.
    if (!first || Number(field(first[1], 'v')) !== this.#version + 1) return this.#reload();
    for (const [id, fields] of entries) {
      const topic = field(fields, 't');
      if (topic !== undefined) this.#apply(topic, field(fields, 'd') === '1');
      this.#logPosition = id;
      this.#version = Number(field(fields, 'v'));
    }
  }

  async #reload(): Promise<void> {
    const k = this.#keys;
    const replies = await this.#redis
      .multi()
      .get(k.retainedVersion)
      .xrevrange(k.retainedLog, '+', '-', 'COUNT', 1)
      .hkeys(k.retained)
      .exec();
    const last = (replies?.[1]?.[1] ?? []) as Array<[string, string[]]>;
    this.#topics.clear();
    for (const topic of (replies?.[2]?.[1] ?? []) as string[]) this.#apply(topic, false);
    this.#version = Number(replies?.[0]?.[1] ?? 0);
    this.#logPosition = last[0]?.[0] ?? '0-0';
  }

  #apply(topic: string, deleted: boolean): void {
    if (deleted) this.#topics.delete(topic);
    else this.#topics.set(topic, true);
  }
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
