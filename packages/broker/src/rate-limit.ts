/** Counts events in fixed windows: `take()` is false once `limit` events happened in the current window. */
export class WindowCounter {
  readonly #limit: number;
  readonly #intervalMs: number;
  #windowStart = 0;
  #count = 0;

  constructor(limit: number, intervalMs: number) {
    this.#limit = limit;
    this.#intervalMs = intervalMs;
  }

  take(now = Date.now()): boolean {
    if (now - this.#windowStart >= this.#intervalMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    this.#count++;
    return this.#count <= this.#limit;
  }

  /** True when the window has passed, so the counter holds nothing worth keeping. */
  idle(now = Date.now()): boolean {
    return now - this.#windowStart >= this.#intervalMs;
  }
}
