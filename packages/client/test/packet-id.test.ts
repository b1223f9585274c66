import { describe, expect, it } from 'vitest';
import { PacketIdAllocator } from '../src/packet-id.js';

describe('PacketIdAllocator', () => {
  it('[MQTT-2.2.1-3] hands out non-zero identifiers that are not in use', () => {
    const ids = new PacketIdAllocator();
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([1, 2, 3]);
    ids.release(2);
    ids.claim(4);
    expect(ids.allocate()).toBe(5);
  });

  it('wraps around after 65535 and skips identifiers still in use', () => {
    const ids = new PacketIdAllocator();
    for (let i = 1; i <= 65535; i++) ids.allocate();
    expect(() => ids.allocate()).toThrow(RangeError);
    ids.release(7);
    ids.release(3);
    expect(ids.allocate()).toBe(3);
    expect(ids.allocate()).toBe(7);
  });
});
