import { describe, expect, it } from 'vitest';
import { MessageStream } from '../src/message-stream.js';

describe('MessageStream', () => {
  it('yields buffered and later values in order, then ends on close', async () => {
    let unregistered = 0;
    const stream = new MessageStream<number>(() => unregistered++);
    stream.push(1);
    const pending = stream.next();
    stream.push(2);
    expect(await pending).toEqual({ value: 1, done: false });
    const waiting = stream.next();
    expect(await waiting).toEqual({ value: 2, done: false });
    const last = stream.next();
    stream.close();
    expect(await last).toEqual({ value: undefined, done: true });
    expect(unregistered).toBe(1);
  });

  it('unregisters when the loop breaks', async () => {
    let unregistered = 0;
    const stream = new MessageStream<number>(() => unregistered++);
    stream.push(1);
    stream.push(2);
    for await (const value of stream) {
      expect(value).toBe(1);
      break;
    }
    expect(unregistered).toBe(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
