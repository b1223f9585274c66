/**
 * Closes a connection that sends nothing for 1.5 times its keep alive [MQTT-3.1.2-22] [MQTT-3.1.2-24].
 * One timer per connection, re-armed lazily: traffic only updates a timestamp.
 */
export class KeepAlive {
  #lastActivity = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #limitMs = 0;
  readonly #onExpired: () => void;

  constructor(onExpired: () => void) {
    this.#onExpired = onExpired;
  }

  /** Starts watching with a keep alive in seconds; 0 disables. */
  start(seconds: number): void {
    this.stop();
    if (seconds <= 0) return;
    this.#limitMs = seconds * 1500;
    this.#lastActivity = Date.now();
    this.#arm(this.#limitMs);
  }

  touch(): void {
    this.#lastActivity = Date.now();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), ms);
    this.#timer.unref();
  }

  #check(): void {
    const idle = Date.now() - this.#lastActivity;
    if (idle >= this.#limitMs) {
      this.#timer = undefined;
      this.#onExpired();
    } else {
      this.#arm(this.#limitMs - idle);
    }
  }
}
