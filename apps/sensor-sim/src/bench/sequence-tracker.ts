/**
 * What one subscriber saw of each publisher's sequence numbers: a growable bitset per publisher,
 * so duplicates and gaps are exact whatever the order of arrival.
 */
export class SequenceTracker {
  readonly #seen: Uint8Array[] = [];
  #unique = 0;
  #duplicates = 0;

  get unique(): number {
    return this.#unique;
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  /** Returns false for a duplicate. */
  record(publisher: number, seq: number): boolean {
    let bits = this.#seen[publisher];
    const byte = seq >>> 3;
    if (!bits || byte >= bits.length) {
      const grown = new Uint8Array(Math.max(1024, (byte + 1) * 2));
      if (bits) grown.set(bits);
      this.#seen[publisher] = grown;
      bits = grown;
    }
    const mask = 1 << (seq & 7);
    const current = bits[byte] ?? 0;
    if (current & mask) {
      this.#duplicates++;
      return false;
    }
    bits[byte] = current | mask;
    this.#unique++;
    return true;
  }

  /** How many of sequence numbers 0..sent[p]-1 of each publisher p never arrived. */
  missing(sent: readonly number[]): number {
    let missing = 0;
    sent.forEach((count, publisher) => {
      const bits = this.#seen[publisher];
      for (let seq = 0; seq < count; seq++) {
        const byte = bits?.[seq >>> 3] ?? 0;
        if ((byte & (1 << (seq & 7))) === 0) missing++;
      }
    });
    return missing;
  }
}
