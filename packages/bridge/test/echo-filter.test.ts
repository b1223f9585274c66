import { describe, expect, it } from 'vitest';
import { EchoFilter } from '../src/echo-filter.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('EchoFilter (MQTT 3.1.1 loop prevention)', () => {
  it('drops one identical message per forwarded one, and only while it is expected', async () => {
    let now = 1000;
    const filter = new EchoFilter(5000, () => now);
    filter.expect('t', bytes('x'), Promise.resolve());
    filter.expect('t', bytes('x'), Promise.resolve());
    await Promise.resolve();
    expect(filter.consume('t', bytes('y'))).toBe(false);
    expect(filter.consume('u', bytes('x'))).toBe(false);
    expect(filter.consume('t', bytes('x'))).toBe(true);
    now += 5001;
    expect(filter.consume('t', bytes('x'))).toBe(false);
  });

  it('waits for the acknowledgement before the window starts', async () => {
    let now = 0;
    const filter = new EchoFilter(10, () => now);
    let ack: () => void = () => {};
    filter.expect('t', bytes('x'), new Promise<void>((resolve) => (ack = resolve)));
    now = 1_000_000;
    // Still queued (say, the remote was down for a long time): the echo is still expected.
    expect(filter.consume('t', bytes('x'))).toBe(true);
    filter.expect('t', bytes('z'), new Promise<void>((resolve) => (ack = resolve)));
    ack();
    await Promise.resolve();
    now += 11;
    expect(filter.consume('t', bytes('z'))).toBe(false);
  });

  it('forgets a message that failed to go out', async () => {
    const filter = new EchoFilter(1000);
    const failed = Promise.reject(new Error('closed'));
    filter.expect('t', bytes('x'), failed);
    await failed.catch(() => {});
    await Promise.resolve();
    expect(filter.size).toBe(0);
  });
});
