import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/bench/histogram.js';
import { createPayloadFactory, HEADER_SIZE, readHeader } from '../src/bench/payload.js';
import { SequenceTracker } from '../src/bench/sequence-tracker.js';

describe('LatencyHistogram', () => {
  it('reports percentiles within 2 % of the exact ones', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 1; i <= 20_000; i++) {
      const v = ((i * 7919) % 50_000) / 100 + 0.05; // 0.05 .. 500 ms, scrambled order
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    const exact = (p: number) => values[Math.ceil((p / 100) * values.length) - 1] ?? 0;
    for (const p of [50, 95, 99]) {
      expect(Math.abs(h.percentile(p) - exact(p)) / exact(p)).toBeLessThan(0.02);
    }
    const s = h.summary();
    expect(s.count).toBe(20_000);
    expect(s.max).toBe(Math.round((values.at(-1) ?? 0) * 1000) / 1000);
    expect(s.min).toBe(Math.round((values[0] ?? 0) * 1000) / 1000);
  });

  it('is exact for small values and never reports beyond min/max', () => {
    const h = new LatencyHistogram();
    h.record(0.01);
    h.record(0.02);
    h.record(0.05);
    expect(h.percentile(50)).toBeCloseTo(0.02, 6);
    expect(h.percentile(100)).toBeCloseTo(0.05, 6);
    const one = new LatencyHistogram();
    one.record(123.456);
    expect(one.summary()).toMatchObject({ p50: 123.456, p99: 123.456, max: 123.456 });
  });

  it('merges and handles the empty case', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    expect(a.summary()).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    a.record(1);
    b.record(3);
    b.record(-2);
    a.merge(b);
    expect(a.summary()).toMatchObject({ count: 3, min: 0, max: 3 });
  });
});

describe('SequenceTracker', () => {
  it('counts unique, duplicate and missing messages in any order', () => {
    const t = new SequenceTracker();
    for (const seq of [0, 2, 1, 5, 2, 9000, 0]) t.record(0, seq);
    t.record(3, 0);
    expect(t.unique).toBe(6);
    expect(t.duplicates).toBe(2);
    // publisher 0 sent 0..9000, publisher 1 sent 0..9, publisher 3 sent 0..1
    expect(t.missing([9001, 10, 0, 2])).toBe(9001 - 5 + 10 + 1);
  });
});

describe('bench payload', () => {
  it('round-trips the header and has the requested size', () => {
    const make = createPayloadFactory(100, 77, 3);
    const payload = make(42, 1234.5);
    expect(payload.length).toBe(100);
    expect(readHeader(payload)).toEqual({ runId: 77, publisher: 3, seq: 42, sentAt: 1234.5 });
    expect(make(43, 1).equals(payload)).toBe(false);
    expect(readHeader(new Uint8Array(10))).toBeUndefined();
  });

  it('refuses a size below the header', () => {
    expect(() => createPayloadFactory(HEADER_SIZE - 1, 1, 0)).toThrow(RangeError);
  });

  it('reads a header at a non-zero offset of a larger buffer', () => {
    const payload = createPayloadFactory(HEADER_SIZE, 5, 6)(7, 8);
    const big = new Uint8Array(HEADER_SIZE + 3);
    big.set(payload, 3);
    expect(readHeader(big.subarray(3))).toEqual({ runId: 5, publisher: 6, seq: 7, sentAt: 8 });
  });
});
