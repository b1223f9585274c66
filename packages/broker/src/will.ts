import type { Message } from './message.js';
import type { Persistence, StoredWill } from './persistence/types.js';

/** Longest delay setTimeout can wait; longer delays are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Wills of closed connections waiting for their Will Delay Interval. A will is published when the
 * delay ends or its session ends, whichever is first [MQTT-3.1.3-9]; reconnecting to the session
 * before that cancels it.
 */
export class WillManager {
  readonly #pending = new Map<string, { will: StoredWill; timer: NodeJS.Timeout | undefined }>();
  readonly #persistence: Persistence;
  readonly #publish: (message: Message) => void;

  constructor(persistence: Persistence, publish: (message: Message) => void) {
    this.#persistence = persistence;
    this.#publish = publish;
  }

  get size(): number {
    return this.#pending.size;
  }

  schedule(
    clientId: string,
    pending: { message: Message; delaySeconds: number; expirySeconds?: number },
  ): void {
    this.cancel(clientId);
    const will: StoredWill = {
      clientId,
      message: pending.message,
      publishAt: Date.now() + pending.delaySeconds * 1000,
    };
    if (pending.expirySeconds !== undefined) will.expirySeconds = pending.expirySeconds;
    if (pending.delaySeconds <= 0) {
      this.#fire(will);
      return;
    }
    void this.#persistence.putWill(will);
    this.#arm(will);
  }

  /** The session came back: the will is not sent. */
  cancel(clientId: string): void {
    const entry = this.#pending.get(clientId);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.#pending.delete(clientId);
    void this.#persistence.deleteWill(clientId);
  }

  /**
   * The session was resumed: no will of it may go out, not even one stored by another node that held the
   * session and died (a shared store), which this broker would otherwise adopt and publish at its next start.
   */
  sessionResumed(clientId: string): void {
    if (this.#pending.has(clientId)) this.cancel(clientId);
    else void this.#persistence.deleteWill(clientId);
  }

  /** The session ended: a will still waiting goes out now. */
  sessionEnded(clientId: string): void {
    const entry = this.#pending.get(clientId);
    if (!entry) return;
    this.cancel(clientId);
    this.#fire(entry.will);
  }

  /** Re-arms wills read back from persistence at startup. */
  restore(wills: StoredWill[]): void {
    for (const will of wills) this.#arm(will);
  }

  /** Stops all timers (broker shutdown); stored wills stay for a restart. */
  close(): void {
    for (const entry of this.#pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.#pending.clear();
  }

  /** Publishes now; the expiry interval starts here [MQTT-3.3.2-5]. */
  #fire(will: StoredWill): void {
    const message =
      will.expirySeconds === undefined
        ? will.message
        : { ...will.message, expiresAt: Date.now() + will.expirySeconds * 1000 };
    this.#publish(message);
  }

  #arm(will: StoredWill): void {
    const wait = Math.max(0, will.publishAt - Date.now());
    const timer = setTimeout(
      () => {
        if (Date.now() < will.publishAt) {
          this.#arm(will);
          return;
        }
        this.#pending.delete(will.clientId);
        void this.#persistence.deleteWill(will.clientId);
        this.#fire(will);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    timer.unref();
    this.#pending.set(will.clientId, { will, timer });
  }
}
