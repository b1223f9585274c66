/** Counters the live status line and the summary are drawn from. */
export interface SimCounters {
  sensors: number;
  connected: number;
  published: number;
  acked: number;
  errors: number;
  reconnects: number;
}

/** Messages per second over a sliding window of one-second samples. */
export class RateMeter {
  readonly #samples: Array<{ at: number; count: number }> = [];
  readonly #windowMs: number;

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  /** Feeds the running total at time `at` (ms) and returns the rate over the window. */
  sample(at: number, count: number): number {
    this.#samples.push({ at, count });
    while (this.#samples.length > 2 && at - (this.#samples[0]?.at ?? at) > this.#windowMs)
      this.#samples.shift();
    const first = this.#samples[0];
    if (!first || at === first.at) return 0;
    return ((count - first.count) * 1000) / (at - first.at);
  }
}

export function formatStatus(c: SimCounters, perSecond: number, qos: number): string {
  const acked = qos === 0 ? 'acked n/a (QoS 0)' : `acked ${c.acked}`;
  return `sensors ${c.connected}/${c.sensors} connected | ${perSecond.toFixed(1)} msg/s | sent ${c.published} | ${acked} | errors ${c.errors}`;
}

/** Rewrites one terminal line in place; does nothing when the stream is not a terminal. */
export class StatusLine {
  readonly #stream: NodeJS.WriteStream;
  #shown = false;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  get enabled(): boolean {
    return this.#stream.isTTY === true;
  }

  show(text: string): void {
    if (!this.enabled) return;
    // Some terminals (and `script`) report 0 columns: treat that as unknown.
    const width = this.#stream.columns || 120;
    this.#stream.write(`\r\x1b[2K${text.slice(0, Math.max(10, width - 1))}`);
    this.#shown = true;
  }

  clear(): void {
    if (!this.#shown) return;
    this.#stream.write('\r\x1b[2K');
    this.#shown = false;
  }
}
