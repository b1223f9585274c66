/**
 * First-in first-out queue with O(1) push and shift (Array#shift copies the whole array, which made a
 * session queue of 100k messages quadratic to drain). Items live in an array read from a moving head;
 * the consumed prefix is dropped once it outweighs the rest.
 */
export class Fifo<T> {
  /** Shared empty array until the first push: most queues of idle clients never hold anything. */
  #items: T[] = NO_ITEMS;
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    if (this.#items === NO_ITEMS) this.#items = [];
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  clear(): void {
    this.#items = NO_ITEMS;
    this.#head = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }
}

/** Never pushed to: push() swaps in an array of the queue's own first. */
const NO_ITEMS: never[] = [];
