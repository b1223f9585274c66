import { type ResolvedLimits, resolveLimits, type TopicLimits } from './limits.js';
import { assertFilter, assertName } from './validate.js';

class TopicNode<V> {
  children: Map<string, TopicNode<V>> | undefined = undefined;
  /** The full topic name when a value is stored here, otherwise undefined. */
  topic: string | undefined = undefined;
  value: V | undefined = undefined;
}

/** Called once per stored topic that matches the filter. */
export type RetainedVisitor<V> = (topic: string, value: V) => void;

export interface RetainedIndexOptions {
  /** Level and length guards, applied to every topic stored and every filter matched. */
  limits?: TopicLimits;
}

const DOLLAR = 0x24;

/**
 * Retained messages (or anything keyed by topic name) in a trie of topic levels, so a new
 * subscription's filter finds its matches by walking only the branches the filter allows, never by
 * scanning all topics. Same matching rules as SubscriptionIndex, including the `$` rule.
 */
export class RetainedIndex<V> {
  readonly #limits: ResolvedLimits;
  readonly #root = new TopicNode<V>();
  #size = 0;

  constructor(options: RetainedIndexOptions = {}) {
    this.#limits = resolveLimits(options.limits);
  }

  get size(): number {
    return this.#size;
  }

  /** Store `value` under a topic name, replacing any previous one. Throws for an invalid topic name. */
  set(topic: string, value: V): this {
    assertName(topic, this.#limits);
    let node = this.#root;
    let start = 0;
    for (;;) {
      const end = topic.indexOf('/', start);
      const word = end < 0 ? topic.slice(start) : topic.slice(start, end);
      node.children ??= new Map();
      let child = node.children.get(word);
      if (child === undefined) {
        child = new TopicNode<V>();
        node.children.set(word, child);
      }
      node = child;
      if (end < 0) break;
      start = end + 1;
    }
    if (node.topic === undefined) this.#size++;
    node.topic = topic;
    node.value = value;
    return this;
  }

  /** The value stored under exactly this topic name. */
  get(topic: string): V | undefined {
    return this.#path(topic)?.at(-1)?.value;
  }

  has(topic: string): boolean {
    return this.#path(topic)?.at(-1)?.topic !== undefined;
  }

  /** Remove a topic's value; prunes emptied branches. Returns false when nothing was stored. */
  delete(topic: string): boolean {
    const path = this.#path(topic);
    const node = path?.at(-1);
    if (path === undefined || node === undefined || node.topic === undefined) return false;
    node.topic = undefined;
    node.value = undefined;
    this.#size--;
    const words = topic.split('/');
    for (let i = path.length - 1; i > 0; i--) {
      const child = path[i]!;
      if (child.topic !== undefined || (child.children !== undefined && child.children.size > 0)) break;
      const parent = path[i - 1]!;
      parent.children!.delete(words[i - 1]!);
    }
    return true;
  }

  clear(): void {
    this.#root.children = undefined;
    this.#size = 0;
  }

  /** Every stored (topic, value) pair. */
  *entries(): IterableIterator<[string, V]> {
    const stack: TopicNode<V>[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.topic !== undefined) yield [node.topic, node.value as V];
      if (node.children !== undefined) for (const child of node.children.values()) stack.push(child);
    }
  }

  /**
   * Call `visitor` for every stored topic that `filter` matches: `+` takes any one level (also an
   * empty one), `#` the parent level and everything below, and a filter starting with a wildcard skips
   * topics beginning with `$` [MQTT-4.7.2-1]. The filter is validated first (throws
   * TopicValidationError). The filter is matched literally: for a shared subscription pass its inner
   * filter (MQTT 5 sends no retained messages for new shared subscriptions anyway). Returns the number of visits.
   */
  match(filter: string, visitor: RetainedVisitor<V>): number {
    assertFilter(filter, this.#limits);
    if (this.#size === 0) return 0;
    return matchLevel(this.#root, filter.split('/'), 0, visitor);
  }

  /** Nodes from the root to the topic's node, or undefined when the topic has no node. */
  #path(topic: string): TopicNode<V>[] | undefined {
    if (topic.length === 0 || topic.length > this.#limits.maxLength) return undefined;
    const words = topic.split('/', this.#limits.maxLevels + 1);
    if (words.length > this.#limits.maxLevels) return undefined;
    const path: TopicNode<V>[] = [this.#root];
    let node = this.#root;
    for (const word of words) {
      const child = node.children?.get(word);
      if (child === undefined) return undefined;
      path.push(child);
      node = child;
    }
    return path;
  }
}

function matchLevel<V>(node: TopicNode<V>, levels: string[], i: number, visitor: RetainedVisitor<V>): number {
  if (i === levels.length) {
    if (node.topic === undefined) return 0;
    visitor(node.topic, node.value as V);
    return 1;
  }
  const word = levels[i]!;
  if (word === '#') {
    // `#` also matches the parent level itself: `sport/#` matches `sport`.
    let visits = 0;
    if (i > 0 && node.topic !== undefined) {
      visitor(node.topic, node.value as V);
      visits++;
    }
    if (node.children !== undefined) {
      for (const [key, child] of node.children) {
        if (i === 0 && key.charCodeAt(0) === DOLLAR) continue;
        visits += visitAll(child, visitor);
      }
    }
    return visits;
  }
  const children = node.children;
  if (children === undefined) return 0;
  if (word !== '+') {
    const child = children.get(word);
    return child === undefined ? 0 : matchLevel(child, levels, i + 1, visitor);
  }
  let visits = 0;
  for (const [key, child] of children) {
    if (i === 0 && key.charCodeAt(0) === DOLLAR) continue;
    visits += matchLevel(child, levels, i + 1, visitor);
  }
  return visits;
}

function visitAll<V>(node: TopicNode<V>, visitor: RetainedVisitor<V>): number {
  let visits = 0;
  if (node.topic !== undefined) {
    visitor(node.topic, node.value as V);
    visits++;
  }
  if (node.children !== undefined)
    for (const child of node.children.values()) visits += visitAll(child, visitor);
  return visits;
}
