/**
 * An async iterator over pushed values with an unbounded buffer; ends when `close()` is called
 * (pending `next()` calls resolve with done) and unregisters itself through `onReturn`.
 */
export class MessageStream<T> implements AsyncIterableIterator<T> {
  #buffer: T[] = [];
  #waiters: Array<(result: IteratorResult<T>) => void> = [];
  #done = false;
  #onReturn: () => void;

  constructor(onReturn: () => void) {
    this.#onReturn = onReturn;
  }

  push(value: T): void {
    if (this.#done) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter({ value, done: false });
    else this.#buffer.push(value);
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onReturn();
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift() as T, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.#buffer = [];
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
