/**
 * A hash table from whole filter strings to values, keyed by the hash from topic-hash.ts so a match
 * reuses the hash it computed while splitting the topic. Open addressing with linear probing: the
 * probe runs over a compact Int32Array of hashes (4 bytes a slot, so it mostly stays in cache), and
 * only a slot whose hash agrees touches the [key, value, tag] entry and compares the key.
 * The small-integer tag travels with the value (the filter trie marks multi-item buckets with it, so
 * a match need not inspect the value to know its shape).
 */

const ENTRY = 3;
/** Set in every stored hash, so 0 can mean an empty slot. Hashes are 30-bit. */
const USED = 0x40000000;

export class ExactTable<V> {
  #hashes = new Int32Array(16);
  /** [key, value, tag] per slot. */
  #entries: unknown[] = new Array(16 * ENTRY).fill(undefined);
  #mask = 15;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string, hash: number): V | undefined {
    const slot = this.find(key, hash);
    return slot < 0 ? undefined : this.valueAt(slot);
  }

  /** The slot holding `key`, or -1; read it with valueAt and tagAt. */
  find(key: string, hash: number): number {
    const hashes = this.#hashes;
    const mask = this.#mask;
    const want = hash | USED;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = hashes[slot]!;
      if (stored === 0) return -1;
      if (stored === want && this.#entries[slot * ENTRY] === key) return slot;
    }
  }

  valueAt(slot: number): V {
    return this.#entries[slot * ENTRY + 1] as V;
  }

  tagAt(slot: number): number {
    return this.#entries[slot * ENTRY + 2] as number;
  }

  /** Insert or replace. */
  set(key: string, hash: number, value: V, tag = 0): void {
    const found = this.find(key, hash);
    if (found >= 0) {
      this.#entries[found * ENTRY + 1] = value;
      this.#entries[found * ENTRY + 2] = tag;
      return;
    }
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#resize((this.#mask + 1) * 2);
    const hashes = this.#hashes;
    const mask = this.#mask;
    let slot = hash & mask;
    while (hashes[slot] !== 0) slot = (slot + 1) & mask;
    hashes[slot] = hash | USED;
    const at = slot * ENTRY;
    this.#entries[at] = key;
    this.#entries[at + 1] = value;
    this.#entries[at + 2] = tag;
    this.#size++;
  }

  /** Linear-probing delete with backward shift, so lookups never meet tombstones. */
  delete(key: string, hash: number): boolean {
    let hole = this.find(key, hash);
    if (hole < 0) return false;
    const hashes = this.#hashes;
    const entries = this.#entries;
    const mask = this.#mask;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const stored = hashes[next]!;
      if (stored === 0) break;
      const home = stored & mask;
      // Move the entry back into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        hashes[hole] = stored;
        for (let k = 0; k < ENTRY; k++) entries[hole * ENTRY + k] = entries[next * ENTRY + k];
        hole = next;
      }
    }
    hashes[hole] = 0;
    for (let k = 0; k < ENTRY; k++) entries[hole * ENTRY + k] = undefined;
    this.#size--;
    // Give memory back after mass unsubscribes, with room to spare so churn does not thrash.
    if (this.#mask > 15 && this.#size * 8 < this.#mask + 1) this.#resize((this.#mask + 1) / 2);
    return true;
  }

  *entries(): IterableIterator<[string, V]> {
    const hashes = this.#hashes;
    for (let slot = 0; slot < hashes.length; slot++) {
      if (hashes[slot] !== 0) yield [this.#entries[slot * ENTRY] as string, this.valueAt(slot)];
    }
  }

  #resize(capacity: number): void {
    const oldHashes = this.#hashes;
    const oldEntries = this.#entries;
    this.#hashes = new Int32Array(capacity);
    this.#entries = new Array(capacity * ENTRY).fill(undefined);
    this.#mask = capacity - 1;
    this.#size = 0;
    for (let slot = 0; slot < oldHashes.length; slot++) {
      const stored = oldHashes[slot]!;
      if (stored === 0) continue;
      const at = slot * ENTRY;
      this.set(
        oldEntries[at] as string,
        stored & ~USED,
        oldEntries[at + 1] as V,
        oldEntries[at + 2] as number,
      );
    }
  }
}
