import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Keepalive } from '../src/keepalive.js';

describe('Keepalive', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('[MQTT-3.1.2-20] sends PINGREQ only after a full interval without sending anything', () => {
    let pings = 0;
    const keepalive = new Keepalive(
      1000,
      500,
      () => pings++,
      () => {},
    );
    vi.advanceTimersByTime(600);
    keepalive.sent();
    vi.advanceTimersByTime(600);
    expect(pings).toBe(0);
    vi.advanceTimersByTime(400);
    expect(pings).toBe(1);
    keepalive.stop();
  });

  it('reports a timeout when PINGRESP does not arrive, and not when it does', () => {
    let timeouts = 0;
    let keepalive: Keepalive | undefined;
    keepalive = new Keepalive(
      1000,
      300,
      () => keepalive?.sent(),
      () => timeouts++,
    );
    vi.advanceTimersByTime(1000);
    keepalive.pingResponse();
    vi.advanceTimersByTime(500);
    expect(timeouts).toBe(0);
    vi.advanceTimersByTime(500);
    vi.advanceTimersByTime(300);
    expect(timeouts).toBe(1);
    keepalive.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
