import { describe, expect, it } from 'vitest';
import { formatStatus, RateMeter } from '../src/status-line.js';

describe('formatStatus', () => {
  it('shows connected sensors, rate, sent, acked and errors', () => {
    const counters = { sensors: 5, connected: 4, published: 120, acked: 118, errors: 2, reconnects: 1 };
    expect(formatStatus(counters, 4.96, 1)).toBe(
      'sensors 4/5 connected | 5.0 msg/s | sent 120 | acked 118 | errors 2',
    );
    expect(formatStatus(counters, 0, 0)).toContain('acked n/a (QoS 0)');
  });
});

describe('RateMeter', () => {
  it('measures the rate over its window', () => {
    const meter = new RateMeter(5000);
    expect(meter.sample(0, 0)).toBe(0);
    expect(meter.sample(1000, 10)).toBe(10);
    expect(meter.sample(2000, 30)).toBe(15);
    // Samples older than the window drop out: only 2000..8000 count.
    meter.sample(7000, 80);
    expect(meter.sample(8000, 90)).toBeCloseTo((90 - 30) / 6, 5);
  });
});
