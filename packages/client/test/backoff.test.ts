import { describe, expect, it } from 'vitest';
import { BACKOFF_DEFAULTS, backoffDelay } from '../src/backoff.js';

describe('backoffDelay', () => {
  it('grows exponentially from the initial delay without jitter', () => {
    const options = { initialDelay: 100, factor: 2, maxDelay: 10_000, jitter: 0 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, options))).toEqual([100, 200, 400, 800]);
  });

  it('is capped at maxDelay', () => {
    expect(backoffDelay(50, { initialDelay: 100, maxDelay: 5000, jitter: 0 })).toBe(5000);
  });

  it('applies jitter as a fraction taken off the delay', () => {
    const options = { initialDelay: 1000, jitter: 0.5 };
    expect(backoffDelay(0, options, () => 0)).toBe(1000);
    expect(backoffDelay(0, options, () => 1)).toBe(500);
    expect(backoffDelay(0, options, () => 0.5)).toBe(750);
  });

  it('has documented defaults', () => {
    expect(BACKOFF_DEFAULTS).toMatchObject({ initialDelay: 500, maxDelay: 30_000, factor: 2, jitter: 0.3 });
  });
});
