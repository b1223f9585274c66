import { describe, expect, it } from 'vitest';
import { Deque } from '../src/deque.js';

describe('Deque', () => {
  it('is first in, first out across its internal compaction', () => {
    const deque = new Deque<number>();
    for (let i = 0; i < 5000; i++) deque.push(i);
    const out: number[] = [];
    for (let i = 0; i < 3000; i++) out.push(deque.shift() as number);
    deque.push(5000);
    expect(out.slice(0, 3)).toEqual([0, 1, 2]);
    expect(out.at(-1)).toBe(2999);
    expect(deque.length).toBe(2001);
    expect(deque.peek()).toBe(3000);
    expect(deque.toArray().at(-1)).toBe(5000);
  });

  it('puts items back in front in their order and filters in place', () => {
    const deque = new Deque<number>();
    deque.push(3);
    deque.push(4);
    deque.unshiftAll([1, 2]);
    expect(deque.toArray()).toEqual([1, 2, 3, 4]);
    deque.retain((n) => n % 2 === 0);
    expect(deque.toArray()).toEqual([2, 4]);
    expect(deque.shift()).toBe(2);
    expect(deque.shift()).toBe(4);
    expect(deque.shift()).toBeUndefined();
  });
});
