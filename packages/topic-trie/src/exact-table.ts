/**
 * A hash table from whole filter strings to values, keyed by the hash from topic-hash.ts so a match
 * reuses the hash it computed while splitting the topic. Open addressing in one array of
 * [hash, key, value] triples: a miss costs one cache line, a hit one more for the key comparison.
 */

const STRIDE = 3;

export class ExactTable<V> {
  /** [hash, key, value] per slot; an undefined key marks an empty slot. */
  #slots: unknown[] = new Array(STRIDE * 16).fill(undefined);
  #mask = 15;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string, hash: number): V | undefined {
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * STRIDE;
      const stored = slots[at + 1];
      if (stored === undefined) return undefined;
      if (slots[at] === hash && stored === key) return slots[at + 2] as V;
    }
  }

  /** Insert or replace. */
  set(key: string, hash: number, value: V): void {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * STRIDE;
      const stored = slots[at + 1];
      if (stored === undefined) {
        slots[at] = hash;
        slots[at + 1] = key;
        slots[at + 2] = value;
        this.#size++;
        return;
      }
      if (slots[at] === hash && stored === key) {
        slots[at + 2] = value;
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
        slots[hole * STRIDE] = slots[at];
        slots[hole * STRIDE + 1] = slots[at + 1];
        slots[hole * STRIDE + 2] = slots[at + 2];
        hole = next;
      }
    }
    slots[hole * STRIDE] = undefined;
    slots[hole * STRIDE + 1] = undefined;
    slots[hole * STRIDE + 2] = undefined;
    this.#size--;
    return true;
  }

  *entries(): IterableIterator<[string, V]> {
    const slots = this.#slots;
    for (let at = 0; at < slots.length; at += STRIDE) {
      const key = slots[at + 1];
      if (key !== undefined) yield [key as string, slots[at + 2] as V];
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Array(old.length * 2).fill(undefined);
    this.#mask = this.#mask * 2 + 1;
    this.#size = 0;
    for (let at = 0; at < old.length; at += STRIDE) {
      const key = old[at + 1];
      if (key !== undefined) this.set(key as string, old[at] as number, old[at + 2] as V);
    }
  }
}
