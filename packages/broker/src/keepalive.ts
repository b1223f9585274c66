/** What the sweep needs of a connection with a keep alive. */
export interface KeepAliveWatched {
  /** Clock reading (keepAliveClock) of the last packet received. */
  lastActivity: number;
  /** 1.5 times the keep alive, in ms. */
  keepAliveLimitMs: number;
  keepAliveExpired(): void;
}

/** Sweep period, and so the resolution of the activity clock. */
const TICK_MS = 250;

const watched = new Set<KeepAliveWatched>();
let timer: NodeJS.Timeout | undefined;
let clock = Date.now();

/**
 * The activity clock: Date.now() as of the last sweep (at most TICK_MS behind), so that recording
 * activity on every packet costs a variable read instead of a clock call.
 */
export function keepAliveClock(): number {
  return clock;
}

/**
 * Closes connections that send nothing for 1.5 times their keep alive [MQTT-3.1.2-22]
 * [MQTT-3.1.2-24]. One timer sweeps every watched connection (instead of a timer per connection, which
 * cost an idle connection about 300 bytes); it runs only while some connection is watched. Since the
 * clock lags by up to a tick, a connection is closed between its limit and two ticks after it, never
 * before.
 */
export function watchKeepAlive(conn: KeepAliveWatched, seconds: number): void {
  unwatchKeepAlive(conn);
  if (seconds <= 0) return;
  clock = Date.now();
  conn.keepAliveLimitMs = seconds * 1500;
  conn.lastActivity = clock;
  watched.add(conn);
  if (timer === undefined) {
    timer = setInterval(sweep, TICK_MS);
    timer.unref();
  }
}

export function unwatchKeepAlive(conn: KeepAliveWatched): void {
  if (!watched.delete(conn)) return;
  if (watched.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

function sweep(): void {
  clock = Date.now();
  for (const conn of watched) {
    if (clock - conn.lastActivity >= conn.keepAliveLimitMs + TICK_MS) {
      unwatchKeepAlive(conn);
      conn.keepAliveExpired();
    }
  }
}
