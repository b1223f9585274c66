/** Allocates MQTT packet identifiers 1..65535, skipping ones still in use (a wrap-around counter). */
export class PacketIdAllocator {
  #next = 1;
  #inUse = new Set<number>();

  get size(): number {
    return this.#inUse.size;
  }

  allocate(): number {
    if (this.#inUse.size >= 65535) throw new RangeError('all 65535 packet identifiers are in use');
    while (this.#inUse.has(this.#next)) this.#advance();
    const id = this.#next;
    this.#inUse.add(id);
    this.#advance();
    return id;
  }

  /** Marks an id restored from a store (or resent) as taken. */
  claim(id: number): void {
    this.#inUse.add(id);
  }

  release(id: number): void {
    this.#inUse.delete(id);
  }

  has(id: number): boolean {
    return this.#inUse.has(id);
  }

  #advance(): void {
    this.#next = this.#next >= 65535 ? 1 : this.#next + 1;
  }
}
