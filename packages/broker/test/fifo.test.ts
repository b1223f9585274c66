import { describe, expect, it } from 'vitest';
import { Fifo } from '../src/fifo.js';

describe('Fifo', () => {
  it('returns items in insertion order across compactions', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift()!);
    }
    expect(q.length).toBe(5000 - out.length);
    for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });

  it('iterates without consuming and clears', () => {
    const q = new Fifo<string>();
    q.push('a');
    q.push('b');
    q.shift();
    q.push('c');
    expect([...q]).toEqual(['b', 'c']);
    q.clear();
    expect(q.length).toBe(0);
    expect([...q]).toEqual([]);
  });
});
