/** Which sequence numbers of one publisher->subscriber route arrived: counts unique, duplicate, out of order. */
export class SequenceTracker {
  #bits = new Uint8Array(8192);
  /** Highest sequence seen + 1. */
  next = 0;
  unique = 0;
  duplicates = 0;
  outOfOrder = 0;

  /** Returns true when `seq` is new. */
  see(seq: number): boolean {
    const byte = seq >>> 3;
    if (byte >= this.#bits.length) {
      let size = this.#bits.length * 2;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const mask = 1 << (seq & 7);
    const bits = this.#bits;
    if ((bits[byte]! & mask) !== 0) {
      this.duplicates++;
      return false;
    }
    bits[byte] = bits[byte]! | mask;
    this.unique++;
    if (seq + 1 < this.next) this.outOfOrder++;
    else this.next = seq + 1;
    return true;
  }
}
