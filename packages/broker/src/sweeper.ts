/** What the sweep asks of each connection. */
export interface Swept {
  /** Closes the connection if its CONNECT deadline or keep alive has run out at clock reading `now`. */
  sweep(now: number): void;
}

/** Sweep period, and so the resolution of the activity clock and of every deadline it checks. */
export const SWEEP_TICK_MS = 250;

let clock = Date.now();

/**
 * The activity clock: Date.now() as of the last sweep (at most SWEEP_TICK_MS behind), so that recording
 * activity on every packet costs a variable read instead of a clock call.
 */
export function keepAliveClock(): number {
  return clock;
}

/** Reads the real time into the activity clock and returns it. */
export function refreshClock(): number {
  clock = Date.now();
  return clock;
}

/**
 * One timer per broker visits every connection each tick: a socket that sent no CONNECT in time is closed,
 * and so is a client silent for 1.5 times its keep alive [MQTT-3.1.2-22] [MQTT-3.1.2-24]. Before, every
 * connection had a Timeout for its CONNECT deadline and an entry in a set of watched connections: two
 * allocations and three hash-table updates per connect, which the sweep over the broker's own set of
 * connections replaces. Since the clock lags by up to a tick, a deadline is met between its time and two
 * ticks after it, never before.
 */
export class ConnectionSweeper {
  readonly #connections: ReadonlySet<Swept>;
  #timer: NodeJS.Timeout | undefined;

  constructor(connections: ReadonlySet<Swept>) {
    this.#connections = connections;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#sweep(), SWEEP_TICK_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const now = refreshClock();
    for (const conn of this.#connections) conn.sweep(now);
  }
}
