interface Expected {
  payload: Uint8Array;
  /** Infinity until the remote acknowledged the forwarded message; the window starts then. */
  expiresAt: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** How many `expect` calls between sweeps of expired entries. */
const SWEEP_EVERY = 1024;

/**
 * MQTT 3.1.1 has no No Local: a message the bridge forwards to the remote comes straight back through
 * an overlapping `in` subscription. This remembers each forwarded (remote topic, payload) and drops the
 * first identical message that arrives for it. A genuine remote message identical to one in flight is
 * indistinguishable from the echo, and dropping either leaves the local side with one copy.
 */
export class EchoFilter {
  readonly #byTopic = new Map<string, Expected[]>();
  readonly #windowMs: number;
  readonly #now: () => number;
  #sinceSweep = 0;

  constructor(windowMs: number, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Entries waiting for their echo. */
  get size(): number {
    let n = 0;
    for (const list of this.#byTopic.values()) n += list.length;
    return n;
  }

  /** Registers a forwarded message; `done` settles when the remote acknowledged it (or it failed). */
  expect(topic: string, payload: Uint8Array, done: Promise<unknown>): void {
    const entry: Expected = { payload, expiresAt: Number.POSITIVE_INFINITY };
    const list = this.#byTopic.get(topic);
    if (list) list.push(entry);
    else this.#byTopic.set(topic, [entry]);
    done.then(
      () => {
        entry.expiresAt = this.#now() + this.#windowMs;
      },
      // Never sent in this run: no echo will come.
      () => this.#remove(topic, entry),
    );
    if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep();
  }

  /** True (and forgets the entry) when the message is the echo of one the bridge forwarded. */
  consume(topic: string, payload: Uint8Array): boolean {
    const list = this.#byTopic.get(topic);
    if (!list) return false;
    const now = this.#now();
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (entry.expiresAt <= now) continue;
      if (!sameBytes(entry.payload, payload)) continue;
      list.splice(i, 1);
      if (list.length === 0) this.#byTopic.delete(topic);
      return true;
    }
    return false;
  }

  clear(): void {
    this.#byTopic.clear();
  }

  #remove(topic: string, entry: Expected): void {
    const list = this.#byTopic.get(topic);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#byTopic.delete(topic);
  }

  #sweep(): void {
    this.#sinceSweep = 0;
    const now = this.#now();
    for (const [topic, list] of this.#byTopic) {
      const kept = list.filter((e) => e.expiresAt > now);
      if (kept.length === 0) this.#byTopic.delete(topic);
      else if (kept.length !== list.length) this.#byTopic.set(topic, kept);
    }
  }
}
