/**
 * Latency histogram with bounded memory: exact below 128 µs, then 64 buckets per power of two
 * (relative error under 1.6 %) up to about 35 minutes. Min, max and mean are exact.
 */
const LINEAR = 128;
const SUB = 64;
const MAX_US = 2 ** 31 - 1;
const BUCKETS = (31 - 6) * SUB + LINEAR;

function bucketOf(us: number): number {
  if (us < LINEAR) return us;
  const exponent = 31 - Math.clz32(us);
  const shift = exponent - 6;
  return shift * SUB + (us >>> shift);
}

/** Middle of the range of microsecond values that fall into bucket `i`. */
function bucketValue(i: number): number {
  if (i < LINEAR) return i;
  const shift = Math.floor(i / SUB) - 1;
  const mantissa = i - shift * SUB;
  return (mantissa << shift) + ((1 << shift) - 1) / 2;
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sumMs = 0;
  #minMs = Number.POSITIVE_INFINITY;
  #maxMs = 0;

  get count(): number {
    return this.#count;
  }

  /** Records one latency in milliseconds; negative values (clock steps) count as 0. */
  record(ms: number): void {
    // NaN (a garbled timestamp) counts as 0 too, so it cannot poison the sum.
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const bucket = bucketOf(Math.min(MAX_US, Math.round(value * 1000)));
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#count++;
    this.#sumMs += value;
    if (value < this.#minMs) this.#minMs = value;
    if (value > this.#maxMs) this.#maxMs = value;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.#counts[i] = (this.#counts[i] ?? 0) + (other.#counts[i] ?? 0);
    this.#count += other.#count;
    this.#sumMs += other.#sumMs;
    this.#minMs = Math.min(this.#minMs, other.#minMs);
    this.#maxMs = Math.max(this.#maxMs, other.#maxMs);
  }

  /** The latency (ms) below or at which `p` percent of the recorded values lie. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.#maxMs, Math.max(this.#minMs, bucketValue(i) / 1000));
    }
    return this.#maxMs;
  }

  summary(): LatencySummary {
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return {
      count: this.#count,
      min: r(this.#count === 0 ? 0 : this.#minMs),
      mean: r(this.#count === 0 ? 0 : this.#sumMs / this.#count),
      p50: r(this.percentile(50)),
      p95: r(this.percentile(95)),
      p99: r(this.percentile(99)),
      max: r(this.#maxMs),
    };
  }
}
