/** Latency histogram: 1 us buckets below 100 ms, 1 ms buckets up to 100 s. */

const FINE = 100_000;
const COARSE = 100_000;

export interface HistogramData {
  fine: Uint32Array;
  coarse: Uint32Array;
  count: number;
  sumUs: number;
  maxUs: number;
}

export function createHistogram(): HistogramData {
  return { fine: new Uint32Array(FINE), coarse: new Uint32Array(COARSE), count: 0, sumUs: 0, maxUs: 0 };
}

export function recordLatency(h: HistogramData, ns: number): void {
  const us = ns / 1000;
  if (us < FINE) h.fine[us | 0]!++;
  else h.coarse[Math.min(COARSE - 1, (us / 1000) | 0)]!++;
  h.count++;
  h.sumUs += us;
  if (us > h.maxUs) h.maxUs = us;
}

export function mergeHistogram(into: HistogramData, from: HistogramData): void {
  for (let i = 0; i < FINE; i++) into.fine[i]! += from.fine[i]!;
  for (let i = 0; i < COARSE; i++) into.coarse[i]! += from.coarse[i]!;
  into.count += from.count;
  into.sumUs += from.sumUs;
  into.maxUs = Math.max(into.maxUs, from.maxUs);
}

/** Percentile in microseconds (bucket lower bound), or -1 when empty. */
export function percentileUs(h: HistogramData, p: number): number {
  if (h.count === 0) return -1;
  const target = Math.min(h.count - 1, Math.floor(p * h.count));
  let seen = 0;
  for (let i = 0; i < FINE; i++) {
    seen += h.fine[i]!;
    if (seen > target) return i;
  }
  for (let i = 0; i < COARSE; i++) {
    seen += h.coarse[i]!;
    if (seen > target) return i * 1000;
  }
  return h.maxUs;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  n: number;
}

export function summarize(h: HistogramData): LatencySummary {
  return {
    p50: percentileUs(h, 0.5),
    p90: percentileUs(h, 0.9),
    p99: percentileUs(h, 0.99),
    p999: percentileUs(h, 0.999),
    max: Math.round(h.maxUs),
    mean: h.count ? Math.round((h.sumUs / h.count) * 10) / 10 : -1,
    n: h.count,
  };
}
