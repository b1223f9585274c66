/**
 * A hash table from whole filter strings to values, keyed by the hash from topic-hash.ts so a match
 * reuses the hash it computed while splitting the topic. Open addressing in one array of
 * [hash, key, value, tag] slots: a miss costs one cache line, a hit one more for the key comparison.
 * The small-integer tag travels with the value (the filter trie marks multi-item buckets with it, so
 * a match need not inspect the value to know its shape).
 */

const STRIDE = 4;

export class ExactTable<V> {
  /** [hash, key, value, tag] per slot; an undefined key marks an empty slot. */
  #slots: unknown[] = new Array(STRIDE * 16).fill(undefined);
  #mask = 15;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string, hash: number): V | undefined {
    const at = this.find(key, hash);
    return at < 0 ? undefined : (this.#slots[at + 2] as V);
  }

  /** The slot offset holding `key`, or -1; read it with valueAt and tagAt. */
  find(key: string, hash: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * STRIDE;
      const stored = slots[at + 1];
      if (stored === undefined) return -1;
      if (slots[at] === hash && stored === key) return at;
    }
  }

  valueAt(at: number): V {
    return this.#slots[at + 2] as V;
  }

  tagAt(at: number): number {
    return this.#slots[at + 3] as number;
  }

  /** Insert or replace. */
  set(key: string, hash: number, value: V, tag = 0): void {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#resize((this.#mask + 1) * 2);
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * STRIDE;
      const stored = slots[at + 1];
      if (stored === undefined) {
        slots[at] = hash;
        slots[at + 1] = key;
        slots[at + 2] = value;
        slots[at + 3] = tag;
        this.#size++;
        return;
      }
      if (slots[at] === hash && stored === key) {
        slots[at + 2] = value;
        slots[at + 3] = tag;
        return;
      }
    }
  }

  /** Linear-probing delete with backward shift, so lookups never meet tombstones. */
  delete(key: string, hash: number): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    let hole = hash & mask;
    for (;;) {
      const at = hole * STRIDE;
      const stored = slots[at + 1];
      if (stored === undefined) return false;
      if (slots[at] === hash && stored === key) break;
      hole = (hole + 1) & mask;
    }
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const at = next * STRIDE;
      if (slots[at + 1] === undefined) break;
      const home = (slots[at] as number) & mask;
      // Move the entry back into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        for (let k = 0; k < STRIDE; k++) slots[hole * STRIDE + k] = slots[at + k];
        hole = next;
      }
    }
    for (let k = 0; k < STRIDE; k++) slots[hole * STRIDE + k] = undefined;
    this.#size--;
    // Give memory back after mass unsubscribes, with room to spare so churn does not thrash.
    if (this.#mask > 15 && this.#size * 8 < this.#mask + 1) this.#resize((this.#mask + 1) / 2);
    return true;
  }

  *entries(): IterableIterator<[string, V]> {
    const slots = this.#slots;
    for (let at = 0; at < slots.length; at += STRIDE) {
      const key = slots[at + 1];
      if (key !== undefined) yield [key as string, slots[at + 2] as V];
    }
  }

  #resize(capacity: number): void {
    const old = this.#slots;
    this.#slots = new Array(capacity * STRIDE).fill(undefined);
    this.#mask = capacity - 1;
    this.#size = 0;
    for (let at = 0; at < old.length; at += STRIDE) {
      const key = old[at + 1];
      if (key !== undefined)
        this.set(key as string, old[at] as number, old[at + 2] as V, old[at + 3] as number);
    }
  }
}
