/** Reconnect delays: exponential from `initialDelay`, capped at `maxDelay`, with random jitter. */
export interface BackoffOptions {
  /** First delay in ms (default 500). */
  initialDelay?: number;
  /** Upper bound in ms before jitter (default 30 000). */
  maxDelay?: number;
  /** Growth factor per attempt (default 2). */
  factor?: number;
  /** Fraction of the delay randomised, 0..1 (default 0.3): delay * (1 - jitter * random). */
  jitter?: number;
  /** Give up after this many failed attempts in a row (default Infinity). */
  maxAttempts?: number;
}

export const BACKOFF_DEFAULTS = {
  initialDelay: 500,
  maxDelay: 30_000,
  factor: 2,
  jitter: 0.3,
  maxAttempts: Number.POSITIVE_INFINITY,
} as const satisfies Required<BackoffOptions>;

/** Delay before reconnect attempt `attempt` (0-based). `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { initialDelay, maxDelay, factor, jitter } = { ...BACKOFF_DEFAULTS, ...options };
  const base = Math.min(maxDelay, initialDelay * factor ** Math.max(0, attempt));
  const spread = Math.min(1, Math.max(0, jitter));
  return Math.round(base * (1 - spread * random()));
}
