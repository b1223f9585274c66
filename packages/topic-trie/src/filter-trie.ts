/**
 * The matching core shared by subscriptions and shared-subscription groups: a store of items keyed by
 * topic filter. Filters without wildcards live in one Map keyed by the whole filter, so a topic's exact
 * subscribers are a single lookup. Only filters with `+` or `#` go into the trie of levels, whose nodes
 * create their child Map lazily and keep `+` and `#` in their own slots.
 */

class TrieNode<T> {
  /** Children by literal level; created on first use so leaves cost no Map. */
  children: Map<string, TrieNode<T>> | undefined = undefined;
  /** The `+` child. */
  plus: TrieNode<T> | undefined = undefined;
  /** Items whose filter ends at this node (a wildcard filter such as `a/+`). */
  end: T[] | undefined = undefined;
  /** Items whose filter is this node's path followed by `/#` (or `#` alone at the root). */
  hash: T[] | undefined = undefined;

  isEmpty(): boolean {
    return (
      this.end === undefined &&
      this.hash === undefined &&
      this.plus === undefined &&
      (this.children === undefined || this.children.size === 0)
    );
  }
}

/** True when `filter` contains `+` or `#` (filters are validated, so any occurrence is a wildcard level). */
export function hasWildcard(filter: string): boolean {
  return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
}

export class FilterTrie<T> {
  readonly #exact = new Map<string, T[]>();
  readonly #root = new TrieNode<T>();
  /** Number of wildcard filters stored: when 0 a match never splits the topic. */
  #wildcardFilters = 0;
  /** Number of distinct filters stored. */
  #filters = 0;

  get filterCount(): number {
    return this.#filters;
  }

  /** The items stored under exactly this filter. */
  get(filter: string): readonly T[] | undefined {
    if (!hasWildcard(filter)) return this.#exact.get(filter);
    const levels = filter.split('/');
    let node: TrieNode<T> | undefined = this.#root;
    const last = levels.length - 1;
    const hash = levels[last] === '#';
    const stop = hash ? last : levels.length;
    for (let i = 0; i < stop && node !== undefined; i++) {
      const word = levels[i]!;
      node = word === '+' ? node.plus : node.children?.get(word);
    }
    if (node === undefined) return undefined;
    return hash ? node.hash : node.end;
  }

  /** Add an item under `filter` (the filter must be valid and not shared). */
  add(filter: string, item: T): void {
    if (!hasWildcard(filter)) {
      const bucket = this.#exact.get(filter);
      if (bucket === undefined) {
        this.#exact.set(filter, [item]);
        this.#filters++;
      } else {
        bucket.push(item);
      }
      return;
    }
    const levels = filter.split('/');
    const last = levels.length - 1;
    const hash = levels[last] === '#';
    const stop = hash ? last : levels.length;
    let node = this.#root;
    for (let i = 0; i < stop; i++) {
      const word = levels[i]!;
      if (word === '+') {
        node.plus ??= new TrieNode<T>();
        node = node.plus;
      } else {
        node.children ??= new Map();
        let child = node.children.get(word);
        if (child === undefined) {
          child = new TrieNode<T>();
          node.children.set(word, child);
        }
        node = child;
      }
    }
    const bucket = hash ? node.hash : node.end;
    if (bucket !== undefined) {
      bucket.push(item);
      return;
    }
    if (hash) node.hash = [item];
    else node.end = [item];
    this.#filters++;
    this.#wildcardFilters++;
  }

  /** Remove one item from under `filter`; prunes emptied nodes. Returns false when it was not there. */
  remove(filter: string, item: T): boolean {
    if (!hasWildcard(filter)) {
      const bucket = this.#exact.get(filter);
      if (bucket === undefined || !removeFrom(bucket, item)) return false;
      if (bucket.length === 0) {
        this.#exact.delete(filter);
        this.#filters--;
      }
      return true;
    }
    const levels = filter.split('/');
    const last = levels.length - 1;
    const hash = levels[last] === '#';
    const stop = hash ? last : levels.length;
    const path: TrieNode<T>[] = [this.#root];
    let node: TrieNode<T> | undefined = this.#root;
    for (let i = 0; i < stop; i++) {
      const word = levels[i]!;
      node = word === '+' ? node.plus : node.children?.get(word);
      if (node === undefined) return false;
      path.push(node);
    }
    const bucket = hash ? node.hash : node.end;
    if (bucket === undefined || !removeFrom(bucket, item)) return false;
    if (bucket.length > 0) return true;
    if (hash) node.hash = undefined;
    else node.end = undefined;
    this.#filters--;
    this.#wildcardFilters--;
    // Prune from the leaf up while nodes hold nothing.
    for (let i = stop; i > 0; i--) {
      const child = path[i]!;
      if (!child.isEmpty()) break;
      const parent = path[i - 1]!;
      const word = levels[i - 1]!;
      if (word === '+') parent.plus = undefined;
      else {
        parent.children!.delete(word);
        if (parent.children!.size === 0) parent.children = undefined;
      }
    }
    return true;
  }

  /** True when some stored filter has a wildcard, i.e. a match must split the topic and walk the trie. */
  get hasWildcards(): boolean {
    return this.#wildcardFilters > 0;
  }

  /** The bucket of the exact (wildcard-free) filter equal to `topic`. */
  exact(topic: string): readonly T[] | undefined {
    return this.#exact.get(topic);
  }

  /**
   * Call `visit` for every item whose wildcard filter matches the topic given as `levels[0..count)`;
   * `dollar` says whether the topic begins with `$`. Returns the number of visits.
   */
  visitWildcards(
    levels: readonly string[],
    count: number,
    dollar: boolean,
    visit: (item: T) => void,
  ): number {
    return walk(this.#root, levels, count, 0, dollar, visit);
  }

  /** Push the buckets of every wildcard filter matching the topic onto `out` (allocation-free callers). */
  collectWildcards(levels: readonly string[], count: number, dollar: boolean, out: (readonly T[])[]): void {
    collect(this.#root, levels, count, 0, dollar, out);
  }

  /** Every (filter, bucket) pair, exact filters first. */
  *buckets(): IterableIterator<[string, readonly T[]]> {
    yield* this.#exact;
    yield* walkAll(this.#root, '', true);
  }
}

function walk<T>(
  node: TrieNode<T>,
  levels: readonly string[],
  count: number,
  i: number,
  dollar: boolean,
  visit: (item: T) => void,
): number {
  let visits = 0;
  // Filters starting with a wildcard never match topics beginning with `$` [MQTT-4.7.2-1].
  const guarded = dollar && i === 0;
  const hash = node.hash;
  // `#` matches the parent level too, so it applies whether or not levels remain.
  if (hash !== undefined && !guarded) {
    for (let k = 0; k < hash.length; k++) visit(hash[k]!);
    visits += hash.length;
  }
  if (i === count) {
    const end = node.end;
    if (end !== undefined) {
      for (let k = 0; k < end.length; k++) visit(end[k]!);
      visits += end.length;
    }
    return visits;
  }
  const children = node.children;
  if (children !== undefined) {
    const child = children.get(levels[i]!);
    if (child !== undefined) visits += walk(child, levels, count, i + 1, dollar, visit);
  }
  const plus = node.plus;
  if (plus !== undefined && !guarded) visits += walk(plus, levels, count, i + 1, dollar, visit);
  return visits;
}

function collect<T>(
  node: TrieNode<T>,
  levels: readonly string[],
  count: number,
  i: number,
  dollar: boolean,
  out: (readonly T[])[],
): void {
  const guarded = dollar && i === 0;
  if (node.hash !== undefined && !guarded) out.push(node.hash);
  if (i === count) {
    if (node.end !== undefined) out.push(node.end);
    return;
  }
  const child = node.children?.get(levels[i]!);
  if (child !== undefined) collect(child, levels, count, i + 1, dollar, out);
  if (node.plus !== undefined && !guarded) collect(node.plus, levels, count, i + 1, dollar, out);
}

/**
 * Split `topic` on `/` into `into` (reused between calls, so no array is allocated) and return the
 * number of levels, or -1 as soon as there would be more than `maxLevels`.
 */
export function splitLevels(topic: string, into: string[], maxLevels: number): number {
  let count = 0;
  let start = 0;
  for (;;) {
    if (count === maxLevels) return -1;
    const end = topic.indexOf('/', start);
    if (end < 0) {
      into[count++] = start === 0 ? topic : topic.slice(start);
      return count;
    }
    into[count++] = topic.slice(start, end);
    start = end + 1;
  }
}

function* walkAll<T>(
  node: TrieNode<T>,
  prefix: string,
  root: boolean,
): IterableIterator<[string, readonly T[]]> {
  if (node.end !== undefined) yield [prefix, node.end];
  if (node.hash !== undefined) yield [root ? '#' : `${prefix}/#`, node.hash];
  if (node.plus !== undefined) yield* walkAll(node.plus, root ? '+' : `${prefix}/+`, false);
  if (node.children !== undefined) {
    for (const [word, child] of node.children)
      yield* walkAll(child, root ? word : `${prefix}/${word}`, false);
  }
}

function removeFrom<T>(bucket: T[], item: T): boolean {
  const at = bucket.indexOf(item);
  if (at < 0) return false;
  const last = bucket.pop()!;
  if (at < bucket.length) bucket[at] = last;
  return true;
}
