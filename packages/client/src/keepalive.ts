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

  constructor(intervalMs: number, timeoutMs: number, ping: () => void, onTimeout: () => void) {
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#ping = ping;
    this.#onTimeout = onTimeout;
    this.sent();
  }

  /** Any packet sent restarts the idle period [MQTT-3.1.2-23]. */
  sent(): void {
    if (this.#stopped || this.#intervalMs <= 0) return;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#sendPing(), this.#intervalMs);
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
