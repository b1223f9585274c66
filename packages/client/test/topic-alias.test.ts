import { describe, expect, it } from 'vitest';
import { IncomingAliases, OutgoingAliases } from '../src/topic-alias.js';

describe('OutgoingAliases', () => {
  it('[MQTT-3.3.2-8] [MQTT-3.3.2-9] uses aliases 1..max and sends the topic only on first use', () => {
    const aliases = new OutgoingAliases(2);
    expect(aliases.lookup('a')).toEqual({ alias: 1, sendTopic: true });
    expect(aliases.lookup('a')).toEqual({ alias: 1, sendTopic: false });
    expect(aliases.lookup('b')).toEqual({ alias: 2, sendTopic: true });
    // 'a' was used before 'b', so it is the least recently used one and gives up alias 1.
    expect(aliases.lookup('c')).toEqual({ alias: 1, sendTopic: true });
    expect(aliases.lookup('b')).toEqual({ alias: 2, sendTopic: false });
    expect(aliases.lookup('a')).toEqual({ alias: 1, sendTopic: true });
  });

  it('gives no alias when the server allows none', () => {
    expect(new OutgoingAliases(0).lookup('a')).toBeUndefined();
  });
});

describe('IncomingAliases', () => {
  it('learns an alias from a PUBLISH with a topic and resolves it later', () => {
    const aliases = new IncomingAliases(5);
    expect(aliases.resolve('x/y', 3)).toBe('x/y');
    expect(aliases.resolve('', 3)).toBe('x/y');
    expect(aliases.resolve('plain', undefined)).toBe('plain');
  });

  it('[MQTT-3.3.2-11] rejects aliases above our maximum, 0, or never set', () => {
    const aliases = new IncomingAliases(2);
    expect(aliases.resolve('t', 3)).toBeUndefined();
    expect(aliases.resolve('t', 0)).toBeUndefined();
    expect(aliases.resolve('', 1)).toBeUndefined();
  });

  it('[MQTT-3.3.2-7] starts empty on each connection', () => {
    const first = new IncomingAliases(2);
    first.resolve('t', 1);
    expect(new IncomingAliases(2).resolve('', 1)).toBeUndefined();
  });
});
