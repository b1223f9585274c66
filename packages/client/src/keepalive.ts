/**
 * Keepalive for one connection: sends PINGREQ when nothing was sent for `intervalMs`
 * and reports a dead connection when PINGRESP does not come back within `timeoutMs`.
 */
export class Keepalive {
  #intervalMs: number;
  #timeoutMs: number;
  #ping: () => void;
  #onTimeout: () => void;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #responseTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #lastSent = 0;

  constructor(intervalMs: number, timeoutMs: number, ping: () => void, onTimeout: () => void) {
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#ping = ping;
    this.#onTimeout = onTimeout;
    this.sent();
  }

  /** Any packet sent restarts the idle period [MQTT-3.1.2-20]; the timer is re-armed lazily. */
  sent(): void {
    if (this.#stopped || this.#intervalMs <= 0) return;
    this.#lastSent = Date.now();
    if (!this.#idleTimer) this.#arm(this.#intervalMs);
  }

  #arm(delay: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      const idle = Date.now() - this.#lastSent;
      if (idle >= this.#intervalMs) this.#sendPing();
      else this.#arm(this.#intervalMs - idle);
    }, delay);
  }

  /** A PINGRESP arrived. */
  pingResponse(): void {
    if (this.#responseTimer) clearTimeout(this.#responseTimer);
    this.#responseTimer = undefined;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    if (this.#responseTimer) clearTimeout(this.#responseTimer);
    this.#idleTimer = undefined;
    this.#responseTimer = undefined;
  }

  #sendPing(): void {
    if (this.#stopped) return;
    if (!this.#responseTimer) {
      this.#responseTimer = setTimeout(() => {
        this.#responseTimer = undefined;
        if (!this.#stopped) this.#onTimeout();
      }, this.#timeoutMs);
    }
    this.#ping();
  }
}
