import { parseSharedFilter, SubscriptionIndex, validateTopicFilter, validateTopicName } from '@mq/topic-trie';
import { BridgeConfigError } from './errors.js';

export type QoS = 0 | 1 | 2;

export const DIRECTIONS = ['in', 'out', 'both'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** One topic mapping, as Mosquitto's `topic <pattern> <direction> <qos> <local-prefix> <remote-prefix>`. */
export interface TopicMapping {
  /** Topic filter relative to the prefixes (`sensors/#`). `''` makes each prefix a whole topic name. */
  pattern: string;
  /** `out`: local to remote; `in`: remote to local; `both`: each way, without loops. */
  direction: Direction;
  /** Highest QoS used on this mapping: forwarded messages go at min(published QoS, qos). */
  qos: QoS;
  /** Prepended to `pattern` on the local broker. Default `''`. No wildcards. */
  localPrefix?: string;
  /** Prepended to `pattern` on the remote broker. Default `''`. No wildcards. */
  remotePrefix?: string;
}

/** A validated mapping with its two filters; topics move between sides by swapping the prefixes. */
export interface CompiledMapping {
  readonly index: number;
  readonly direction: Direction;
  readonly qos: QoS;
  readonly localPrefix: string;
  readonly remotePrefix: string;
  /** localPrefix + pattern: what local messages must match to go out. */
  readonly localFilter: string;
  /** remotePrefix + pattern: what the bridge subscribes to on the remote. */
  readonly remoteFilter: string;
  /** MQTT 5 Subscription Identifier of the remote subscription (index + 1). */
  readonly subscriptionId: number;
}

export const goesOut = (m: CompiledMapping): boolean => m.direction !== 'in';
export const comesIn = (m: CompiledMapping): boolean => m.direction !== 'out';

function fail(index: number, message: string, cause?: unknown): never {
  throw new BridgeConfigError(`topics[${index}]: ${message}`, index, cause);
}

function checkPrefix(index: number, name: string, prefix: unknown): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string') fail(index, `${name} must be a string`);
  if (/[+#\u0000]/.test(prefix)) fail(index, `${name} '${prefix}' must not contain +, # or U+0000`);
  if (prefix.startsWith('$share/')) fail(index, `${name} '${prefix}' must not start with $share/`);
  return prefix;
}

function checkFilter(index: number, side: string, filter: string, wholeTopic: boolean): void {
  try {
    if (wholeTopic) validateTopicName(filter);
    else validateTopicFilter(filter);
  } catch (cause) {
    fail(
      index,
      `${side} ${wholeTopic ? 'topic' : 'filter'} '${filter}' is invalid: ${(cause as Error).message}`,
      cause,
    );
  }
  // A bridge subscribes as one client; a shared group would split messages with other subscribers.
  if (parseSharedFilter(filter) !== null)
    fail(index, `${side} filter '${filter}' must not be a shared subscription`);
}

/** Validates one mapping with @mq/topic-trie; the error names the mapping's index. */
export function compileMapping(raw: TopicMapping, index: number): CompiledMapping {
  if (typeof raw !== 'object' || raw === null) fail(index, 'must be an object');
  const { pattern, direction, qos } = raw;
  if (typeof pattern !== 'string') fail(index, 'pattern must be a string');
  if (!DIRECTIONS.includes(direction)) {
    fail(index, `direction must be 'in', 'out' or 'both', got ${JSON.stringify(direction)}`);
  }
  if (qos !== 0 && qos !== 1 && qos !== 2) fail(index, `qos must be 0, 1 or 2, got ${JSON.stringify(qos)}`);
  const localPrefix = checkPrefix(index, 'localPrefix', raw.localPrefix);
  const remotePrefix = checkPrefix(index, 'remotePrefix', raw.remotePrefix);
  if (pattern !== '') {
    try {
      validateTopicFilter(pattern);
    } catch (cause) {
      fail(index, `pattern '${pattern}' is invalid: ${(cause as Error).message}`, cause);
    }
  } else if (localPrefix === '' || remotePrefix === '') {
    fail(index, 'an empty pattern needs both prefixes (each is then a whole topic name)');
  }
  const localFilter = localPrefix + pattern;
  const remoteFilter = remotePrefix + pattern;
  checkFilter(index, 'local', localFilter, pattern === '');
  checkFilter(index, 'remote', remoteFilter, pattern === '');
  return {
    index,
    direction,
    qos,
    localPrefix,
    remotePrefix,
    localFilter,
    remoteFilter,
    subscriptionId: index + 1,
  };
}

/**
 * Moves a topic from one side's prefix to the other's. A `#` filter also matches its parent level
 * (`a/#` matches `a`), so `a` under prefix `a/` maps to the other prefix without its slash.
 * Undefined when the topic cannot be expressed on the other side.
 */
export function swapPrefix(topic: string, from: string, to: string): string | undefined {
  if (topic.startsWith(from)) {
    const mapped = to + topic.slice(from.length);
    return mapped === '' ? undefined : mapped;
  }
  if (from.endsWith('/') && topic === from.slice(0, -1)) {
    const mapped = to.endsWith('/') ? to.slice(0, -1) : to;
    return mapped === '' ? undefined : mapped;
  }
  return undefined;
}

/** The mappings of one direction, matched against topics of one side by @mq/topic-trie. */
export class MappingMatcher {
  readonly #index = new SubscriptionIndex<CompiledMapping>();
  readonly #side: 'local' | 'remote';

  constructor(mappings: readonly CompiledMapping[], side: 'local' | 'remote') {
    this.#side = side;
    for (const m of mappings)
      this.#index.add(String(m.index), side === 'local' ? m.localFilter : m.remoteFilter, m);
  }

  get size(): number {
    return this.#index.size;
  }

  /** The first mapping (in declaration order) whose filter on this side matches the topic. */
  first(topic: string): CompiledMapping | undefined {
    let found: CompiledMapping | undefined;
    this.#index.match(topic, (sub) => {
      if (found === undefined || sub.value.index < found.index) found = sub.value;
    });
    return found;
  }

  /** Whether `mapping`'s filter on this side matches the topic. */
  matches(mapping: CompiledMapping, topic: string): boolean {
    let hit = false;
    this.#index.match(topic, (sub) => {
      if (sub.value === mapping) hit = true;
    });
    return hit;
  }

  get side(): 'local' | 'remote' {
    return this.#side;
  }
}
