/**
 * The matching core shared by subscriptions and shared-subscription groups: a store of items keyed by
 * topic filter.
 *
 * Filters without wildcards live in one hash table keyed by the whole filter (exact-table.ts), so a
 * topic's exact subscribers are a single probe. Filters with `+` or `#` live in a trie of levels kept
 * in typed arrays: nodes are integer ids, and the literal edges of all nodes share one open-addressing
 * table keyed by (parent id, hash of the level). Matching hashes the topic's levels in one pass over
 * its characters and walks the trie with integer compares only, touching no strings and allocating
 * nothing. Because hashes can collide, every bucket the walk reaches is confirmed by comparing its
 * filter with the topic before its items are visited, so answers are exact.
 */

import { type Bucket, bucketAdd, bucketItems, bucketRemove, type Slotted, visitMany } from './bucket.js';
import { ExactTable } from './exact-table.js';
import { hashRange, hashWhole } from './topic-hash.js';

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;

/** Per-node Int32 fields, `NODE_STRIDE` apart in `#nodes`. */
const PLUS_CHILD = 0; // id of the `+` child, 0 for none (the root, id 0, is never a child)
const CHILDREN = 1; // number of literal children
const DEPTHS = 2; // bitmask of topic depths some filter in this subtree can match
const FLAGS = 3; // HAS_END | HAS_HASH, so the walk reads bucket arrays only when there is a bucket
const NODE_STRIDE = 4;
const HAS_END = 1;
const HAS_HASH = 2;
/** The bucket holds several items (an array); otherwise it is the single item, never inspected. */
const END_MANY = 4;
const HASH_MANY = 8;
/**
 * The `#` filter has no `+`, so its bucket stores the filter's prefix (the filter without `/#`) and a
 * match confirms it with one startsWith instead of a level-by-level comparison.
 */
const HASH_PLAIN = 16;

/** Per-slot Int32 fields of the edge table. */
const EDGE_PARENT = 0; // parent id + 1; 0 marks an empty slot
const EDGE_HASH = 1;
const EDGE_CHILD = 2;
const EDGE_STRIDE = 3;

/** Per-node fields of `#payload`: the `#` bucket and the bucket of filters ending at the node. */
const HASH_FILTER = 0;
const HASH_BUCKET = 1;
const END_FILTER = 2;
const END_BUCKET = 3;
const PAYLOAD_STRIDE = 4;

/** Bit for a topic of `depth` levels in a DEPTHS mask; depths from 32 on share the top bit. */
function depthBit(depth: number): number {
  return 1 << (Math.min(depth, 32) - 1);
}

/** Mask of every depth a filter matches: exactly `levels`, or `levels` and more when it ends in `#`. */
function depthMask(levels: number, hash: boolean): number {
  if (!hash) return depthBit(levels);
  // `a/#` has 2 levels and matches depth 1 (`a`) and up; `#` matches every depth.
  const least = Math.max(levels - 1, 1);
  return ~(depthBit(least) - 1);
}

function edgeSlot(parent: number, hash: number, mask: number): number {
  let x = hash ^ Math.imul(parent + 1, 0x9e3779b1);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  return (x ^ (x >>> 13)) & mask;
}

/** Whether a (validated) filter matches a topic, comparing characters only; no allocation. */
export function filterMatchesTopic(filter: string, topic: string): boolean {
  const fl = filter.length;
  const tl = topic.length;
  let f = 0;
  let t = 0;
  for (;;) {
    // Both f and t are at the start of a level here.
    const fc = f < fl ? filter.charCodeAt(f) : -1;
    if (fc === HASH) return true;
    if (fc === PLUS) {
      f++;
      while (t < tl && topic.charCodeAt(t) !== SLASH) t++;
    } else {
      while (f < fl) {
        const c = filter.charCodeAt(f);
        if (c === SLASH) break;
        if (t >= tl || topic.charCodeAt(t) !== c) return false;
        f++;
        t++;
      }
      if (t < tl && topic.charCodeAt(t) !== SLASH) return false;
    }
    // Both levels ended: at '/' or at the end of their string.
    if (f >= fl) return t >= tl;
    if (t >= tl) return f + 2 === fl && filter.charCodeAt(f + 1) === HASH;
    f++;
    t++;
  }
}

/** Whether `prefix/#` (a `#` filter without `+`, given without its `/#`) matches `topic`. */
function prefixMatchesTopic(prefix: string, topic: string): boolean {
  const len = prefix.length;
  return topic.startsWith(prefix) && (topic.length === len || topic.charCodeAt(len) === SLASH);
}

/** True when `filter` contains `+` or `#` (filters are validated, so any occurrence is a wildcard level). */
export function hasWildcard(filter: string): boolean {
  return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
}

export interface FilterTrieOptions {
  /** AND-ed into every level hash. Only tests set it, to force collisions. */
  hashMask?: number;
}

export class FilterTrie<T extends Slotted> {
  readonly #exact = new ExactTable<Bucket<T>>();
  readonly #hashMask: number;

  /** Int32 node fields (see NODE_STRIDE). Node 0 is the root. */
  #nodes = new Int32Array(NODE_STRIDE * 16);
  /** The literal level leading into each node (undefined for `+` nodes and the root). */
  #words: (string | undefined)[] = [undefined];
  /**
   * Per node: the bucket of the filter that is the node's path followed by `#`, and the bucket of the
   * filter ending at the node, each with its filter string (see HASH_FILTER ...). One array keeps a
   * node's buckets and filters on one cache line.
   */
  #payload: unknown[] = [undefined, undefined, undefined, undefined];
  #nodeCount = 1;
  readonly #freeNodes: number[] = [];

  #edges = new Int32Array(EDGE_STRIDE * 64);
  #edgeMask = 63;
  #edgeCount = 0;

  #wildcardFilters = 0;
  #filters = 0;

  constructor(options: FilterTrieOptions = {}) {
    this.#hashMask = options.hashMask ?? -1;
  }

  get filterCount(): number {
    return this.#filters;
  }

  /** True when some stored filter has a wildcard, i.e. a match must hash the topic and walk the trie. */
  get hasWildcards(): boolean {
    return this.#wildcardFilters > 0;
  }

  /** The hash mask topics must be hashed with (see hashLevels). */
  get hashMask(): number {
    return this.#hashMask;
  }

  /**
   * Call `visit` for each item of the exact (wildcard-free) filter equal to `topic`, whose whole hash
   * (combineLevels) is `hash`; returns the count.
   */
  visitExact(topic: string, hash: number, visit: (item: T) => void): number {
    const exact = this.#exact;
    if (exact.size === 0) return 0;
    const at = exact.find(topic, hash);
    if (at < 0) return 0;
    if (exact.tagAt(at) === 0) {
      visit(exact.valueAt(at) as T);
      return 1;
    }
    return visitMany(exact.valueAt(at) as T[], visit);
  }

  /** The items stored under exactly this filter. */
  get(filter: string): readonly T[] | undefined {
    let bucket: Bucket<T> | undefined;
    if (!hasWildcard(filter)) bucket = this.#exact.get(filter, hashWhole(filter, this.#hashMask));
    else {
      const node = this.#findNode(filter, undefined);
      if (node >= 0) {
        bucket = this.#payload[node * PAYLOAD_STRIDE + (filter.endsWith('#') ? HASH_BUCKET : END_BUCKET)] as
          | Bucket<T>
          | undefined;
      }
    }
    return bucket === undefined ? undefined : bucketItems(bucket);
  }

  /** Add an item under `filter` (the filter must be valid and not shared). */
  add(filter: string, item: T): void {
    if (!hasWildcard(filter)) {
      const whole = hashWhole(filter, this.#hashMask);
      const bucket = this.#exact.get(filter, whole);
      if (bucket === undefined) this.#filters++;
      const next = bucketAdd(bucket, item);
      if (next !== bucket) this.#exact.set(filter, whole, next, Array.isArray(next) ? 1 : 0);
      return;
    }
    const hash = filter.charCodeAt(filter.length - 1) === HASH;
    let levels = 1;
    for (let i = 0; i < filter.length; i++) if (filter.charCodeAt(i) === SLASH) levels++;
    const depths = depthMask(levels, hash);
    const stop = hash ? levels - 1 : levels;
    let node = 0;
    this.#nodes[DEPTHS]! |= depths;
    let start = 0;
    for (let level = 0; level < stop; level++) {
      let end = filter.indexOf('/', start);
      if (end < 0) end = filter.length;
      node = this.#child(node, filter, start, end, true);
      this.#nodes[node * NODE_STRIDE + DEPTHS]! |= depths;
      start = end + 1;
    }
    const at = node * PAYLOAD_STRIDE + (hash ? HASH_FILTER : END_FILTER);
    const bucket = this.#payload[at + 1] as Bucket<T> | undefined;
    const next = bucketAdd(bucket, item);
    this.#payload[at + 1] = next;
    this.#setShape(node, hash, next);
    if (bucket !== undefined) return;
    if (hash && filter.indexOf('+') < 0) {
      this.#payload[at] = filter.slice(0, Math.max(0, filter.length - 2));
      this.#nodes[node * NODE_STRIDE + FLAGS]! |= HASH_PLAIN;
    } else {
      this.#payload[at] = filter;
    }
    this.#filters++;
    this.#wildcardFilters++;
  }

  /** Remove one item from under `filter`; prunes emptied nodes. Returns false when it was not there. */
  remove(filter: string, item: T): boolean {
    if (!hasWildcard(filter)) {
      const whole = hashWhole(filter, this.#hashMask);
      const bucket = this.#exact.get(filter, whole);
      if (bucket === undefined) return false;
      const next = bucketRemove(bucket, item);
      if (next === null) return false;
      if (next === undefined) {
        this.#exact.delete(filter, whole);
        this.#filters--;
      } else if (next !== bucket) {
        this.#exact.set(filter, whole, next, Array.isArray(next) ? 1 : 0);
      }
      return true;
    }
    const path: number[] = [];
    const node = this.#findNode(filter, path);
    if (node < 0) return false;
    const hash = filter.charCodeAt(filter.length - 1) === HASH;
    const at = node * PAYLOAD_STRIDE + (hash ? HASH_FILTER : END_FILTER);
    const bucket = this.#payload[at + 1] as Bucket<T> | undefined;
    if (bucket === undefined) return false;
    const next = bucketRemove(bucket, item);
    if (next === null) return false;
    this.#payload[at + 1] = next;
    this.#setShape(node, hash, next);
    if (next !== undefined) return true;
    this.#payload[at] = undefined;
    if (hash) this.#nodes[node * NODE_STRIDE + FLAGS]! &= ~HASH_PLAIN;
    this.#filters--;
    this.#wildcardFilters--;
    // Prune from the leaf up while nodes hold nothing. Depth masks stay as they are: a mask that says
    // more than the subtree holds only costs a visit, never a wrong answer.
    for (let i = path.length - 1; i > 0; i--) {
      const child = path[i]!;
      if (!this.#isEmpty(child)) break;
      this.#unlink(path[i - 1]!, child);
    }
    if (this.#wildcardFilters === 0) this.#nodes[DEPTHS] = 0;
    return true;
  }

  /**
   * Call `visit` for every item whose wildcard filter matches `topic`, given its level hashes from
   * hashLevels (`count` levels); `dollar` says whether the topic begins with `$`. Returns the number
   * of visits.
   */
  visitWildcards(
    topic: string,
    hashes: Int32Array,
    count: number,
    dollar: boolean,
    visit: (item: T) => void,
  ): number {
    const bit = depthBit(count);
    if ((this.#nodes[DEPTHS]! & bit) === 0) return 0;
    return this.#walk(0, 0, topic, hashes, count, bit, dollar, visit);
  }

  /** Every (filter, bucket) pair, exact filters first. */
  *buckets(): IterableIterator<[string, readonly T[]]> {
    for (const [filter, bucket] of this.#exact.entries()) yield [filter, bucketItems(bucket)];
    const payload = this.#payload;
    for (let node = 0; node < this.#nodeCount; node++) {
      const at = node * PAYLOAD_STRIDE;
      const end = payload[at + END_BUCKET] as Bucket<T> | undefined;
      if (end !== undefined) yield [payload[at + END_FILTER] as string, bucketItems(end)];
      const hash = payload[at + HASH_BUCKET] as Bucket<T> | undefined;
      if (hash === undefined) continue;
      let filter = payload[at + HASH_FILTER] as string;
      if ((this.#nodes[node * NODE_STRIDE + FLAGS]! & HASH_PLAIN) !== 0)
        filter = node === 0 ? '#' : `${filter}/#`;
      yield [filter, bucketItems(hash)];
    }
  }

  #walk(
    node: number,
    i: number,
    topic: string,
    hashes: Int32Array,
    count: number,
    bit: number,
    dollar: boolean,
    visit: (item: T) => void,
  ): number {
    let visits = 0;
    const nodes = this.#nodes;
    const base = node * NODE_STRIDE;
    const flags = nodes[base + FLAGS]!;
    // Filters starting with a wildcard never match topics beginning with `$` [MQTT-4.7.2-1].
    const guarded = dollar && i === 0;
    // `#` matches the parent level too, so it applies whether or not levels remain.
    if ((flags & HAS_HASH) !== 0 && !guarded) {
      const at = node * PAYLOAD_STRIDE;
      const payload = this.#payload;
      const filter = payload[at + HASH_FILTER] as string;
      // The root's plain `#` bucket is the filter `#`, which matches every topic that gets here.
      if (
        (flags & HASH_PLAIN) !== 0
          ? node === 0 || prefixMatchesTopic(filter, topic)
          : filterMatchesTopic(filter, topic)
      ) {
        if ((flags & HASH_MANY) === 0) {
          visit(payload[at + HASH_BUCKET] as T);
          visits++;
        } else {
          visits += visitMany(payload[at + HASH_BUCKET] as T[], visit);
        }
      }
    }
    if (i === count) {
      if ((flags & HAS_END) !== 0) {
        const at = node * PAYLOAD_STRIDE;
        const payload = this.#payload;
        if (filterMatchesTopic(payload[at + END_FILTER] as string, topic)) {
          if ((flags & END_MANY) === 0) {
            visit(payload[at + END_BUCKET] as T);
            visits++;
          } else {
            visits += visitMany(payload[at + END_BUCKET] as T[], visit);
          }
        }
      }
      return visits;
    }
    if (nodes[base + CHILDREN]! > 0) {
      const edges = this.#edges;
      const mask = this.#edgeMask;
      const h = hashes[i]!;
      const tag = node + 1;
      // Every literal child under this hash: normally one; a collision yields more, and the
      // bucket check above sorts them out.
      for (let slot = edgeSlot(node, h, mask); ; slot = (slot + 1) & mask) {
        const at = slot * EDGE_STRIDE;
        const parent = edges[at + EDGE_PARENT]!;
        if (parent === 0) break;
        if (parent === tag && edges[at + EDGE_HASH] === h) {
          const child = edges[at + EDGE_CHILD]!;
          if ((nodes[child * NODE_STRIDE + DEPTHS]! & bit) !== 0) {
            visits += this.#walk(child, i + 1, topic, hashes, count, bit, dollar, visit);
          }
        }
      }
    }
    const plus = nodes[base + PLUS_CHILD]!;
    if (plus !== 0 && !guarded && (nodes[plus * NODE_STRIDE + DEPTHS]! & bit) !== 0) {
      visits += this.#walk(plus, i + 1, topic, hashes, count, bit, dollar, visit);
    }
    return visits;
  }

  /** Record in FLAGS whether a node's `#` or end bucket exists and whether it is an array. */
  #setShape(node: number, hash: boolean, bucket: Bucket<T> | undefined): void {
    const at = node * NODE_STRIDE + FLAGS;
    const has = hash ? HAS_HASH : HAS_END;
    const many = hash ? HASH_MANY : END_MANY;
    let flags = this.#nodes[at]! & ~(has | many);
    if (bucket !== undefined) flags |= Array.isArray(bucket) ? has | many : has;
    this.#nodes[at] = flags;
  }

  /** The node a wildcard filter's bucket hangs from, or -1; fills `path` (root first) if given. */
  #findNode(filter: string, path: number[] | undefined): number {
    const hash = filter.charCodeAt(filter.length - 1) === HASH;
    let node = 0;
    path?.push(0);
    let start = 0;
    for (;;) {
      let end = filter.indexOf('/', start);
      if (end < 0) end = filter.length;
      // The `#` level has no node of its own: its bucket hangs from the parent.
      if (hash && end === filter.length) return node;
      node = this.#child(node, filter, start, end, false);
      if (node < 0) return -1;
      path?.push(node);
      if (end === filter.length) return node;
      start = end + 1;
    }
  }

  /** The child of `node` for level `filter[start, end)`, created when `create` is set; -1 if absent. */
  #child(node: number, filter: string, start: number, end: number, create: boolean): number {
    const nodes = this.#nodes;
    if (end - start === 1 && filter.charCodeAt(start) === PLUS) {
      const plus = nodes[node * NODE_STRIDE + PLUS_CHILD]!;
      if (plus !== 0 || !create) return plus === 0 ? -1 : plus;
      const created = this.#newNode(undefined);
      this.#nodes[node * NODE_STRIDE + PLUS_CHILD] = created;
      return created;
    }
    const h = hashRange(filter, start, end) & this.#hashMask;
    const len = end - start;
    const edges = this.#edges;
    const mask = this.#edgeMask;
    for (let slot = edgeSlot(node, h, mask); ; slot = (slot + 1) & mask) {
      const at = slot * EDGE_STRIDE;
      const parent = edges[at + EDGE_PARENT]!;
      if (parent === 0) break;
      if (parent === node + 1 && edges[at + EDGE_HASH] === h) {
        const child = edges[at + EDGE_CHILD]!;
        const word = this.#words[child]!;
        if (word.length === len && filter.startsWith(word, start)) return child;
      }
    }
    if (!create) return -1;
    const created = this.#newNode(filter.slice(start, end));
    this.#insertEdge(node, h, created);
    this.#nodes[node * NODE_STRIDE + CHILDREN]!++;
    return created;
  }

  #newNode(word: string | undefined): number {
    const id = this.#freeNodes.pop() ?? this.#nodeCount++;
    if ((id + 1) * NODE_STRIDE > this.#nodes.length) {
      const grown = new Int32Array(this.#nodes.length * 2);
      grown.set(this.#nodes);
      this.#nodes = grown;
    }
    this.#nodes.fill(0, id * NODE_STRIDE, (id + 1) * NODE_STRIDE);
    this.#words[id] = word;
    // New ids are appended in order, so these writes keep the array dense.
    for (let k = 0; k < PAYLOAD_STRIDE; k++) this.#payload[id * PAYLOAD_STRIDE + k] = undefined;
    return id;
  }

  #isEmpty(node: number): boolean {
    const base = node * NODE_STRIDE;
    return (
      this.#nodes[base + FLAGS] === 0 &&
      this.#nodes[base + PLUS_CHILD] === 0 &&
      this.#nodes[base + CHILDREN] === 0
    );
  }

  /** Detach an empty `child` from `parent` and recycle its id. */
  #unlink(parent: number, child: number): void {
    const base = parent * NODE_STRIDE;
    const word = this.#words[child];
    if (word === undefined) {
      this.#nodes[base + PLUS_CHILD] = 0;
    } else {
      this.#deleteEdge(parent, hashRange(word, 0, word.length) & this.#hashMask, child);
      this.#nodes[base + CHILDREN]!--;
    }
    this.#words[child] = undefined;
    this.#nodes[child * NODE_STRIDE + DEPTHS] = 0;
    this.#freeNodes.push(child);
  }

  #insertEdge(parent: number, hash: number, child: number): void {
    if ((this.#edgeCount + 1) * 2 > this.#edgeMask + 1) this.#resizeEdges((this.#edgeMask + 1) * 2);
    const edges = this.#edges;
    const mask = this.#edgeMask;
    let slot = edgeSlot(parent, hash, mask);
    while (edges[slot * EDGE_STRIDE + EDGE_PARENT] !== 0) slot = (slot + 1) & mask;
    const at = slot * EDGE_STRIDE;
    edges[at + EDGE_PARENT] = parent + 1;
    edges[at + EDGE_HASH] = hash;
    edges[at + EDGE_CHILD] = child;
    this.#edgeCount++;
  }

  /** Linear-probing delete with backward shift, so lookups never need tombstones. */
  #deleteEdge(parent: number, hash: number, child: number): void {
    const edges = this.#edges;
    const mask = this.#edgeMask;
    let slot = edgeSlot(parent, hash, mask);
    while (
      edges[slot * EDGE_STRIDE + EDGE_CHILD] !== child ||
      edges[slot * EDGE_STRIDE + EDGE_PARENT] !== parent + 1
    ) {
      slot = (slot + 1) & mask;
    }
    let hole = slot;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const at = next * EDGE_STRIDE;
      const owner = edges[at + EDGE_PARENT]!;
      if (owner === 0) break;
      const home = edgeSlot(owner - 1, edges[at + EDGE_HASH]!, mask);
      // Move the entry back into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        edges.copyWithin(hole * EDGE_STRIDE, at, at + EDGE_STRIDE);
        hole = next;
      }
    }
    edges.fill(0, hole * EDGE_STRIDE, (hole + 1) * EDGE_STRIDE);
    this.#edgeCount--;
    // Give memory back after mass unsubscribes, with room to spare so churn does not thrash.
    if (this.#edgeMask > 63 && this.#edgeCount * 8 < this.#edgeMask + 1)
      this.#resizeEdges((this.#edgeMask + 1) / 2);
  }

  #resizeEdges(capacity: number): void {
    const old = this.#edges;
    this.#edges = new Int32Array(capacity * EDGE_STRIDE);
    this.#edgeMask = capacity - 1;
    this.#edgeCount = 0;
    for (let at = 0; at < old.length; at += EDGE_STRIDE) {
      const owner = old[at + EDGE_PARENT]!;
      if (owner !== 0) this.#insertEdge(owner - 1, old[at + EDGE_HASH]!, old[at + EDGE_CHILD]!);
    }
  }
}
