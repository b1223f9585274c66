import { describe, expect, it } from 'vitest';
import { InboundAliases, OutboundAliases } from '../src/topic-alias.js';

describe('OutboundAliases', () => {
  it('[MQTT-3.3.2-11] assigns aliases 1..max on the second send of a topic and reuses the least recently used', () => {
    const aliases = new OutboundAliases(2);
    const sends = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'a'].map((t) => [t, aliases.resolve(t)]);
    expect(sends).toEqual([
      ['a', undefined],
      ['a', { alias: 1, sendTopic: true }],
      ['a', { alias: 1, sendTopic: false }],
      ['b', undefined],
      ['b', { alias: 2, sendTopic: true }],
      ['c', undefined],
      ['c', { alias: 1, sendTopic: true }],
      ['a', undefined],
    ]);
  });

  it('gives a forgotten alias back, so the topic is sent in full next time', () => {
    const aliases = new OutboundAliases(1);
    aliases.resolve('t');
    expect(aliases.resolve('t')).toEqual({ alias: 1, sendTopic: true });
    aliases.forget('t');
    expect(aliases.resolve('u')).toBeUndefined();
    expect(aliases.resolve('u')).toEqual({ alias: 1, sendTopic: true });
  });

  it('[MQTT-3.1.2-27] never assigns aliases when the maximum is 0', () => {
    const aliases = new OutboundAliases(0);
    expect([aliases.resolve('x'), aliases.resolve('x'), aliases.resolve('x')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('InboundAliases', () => {
  it('[MQTT-3.3.2-12] accepts aliases 1..max only', () => {
    const aliases = new InboundAliases(3);
    expect([0, 1, 3, 4].map((a) => aliases.isValid(a))).toEqual([false, true, true, false]);
    aliases.set(2, 'topic');
    expect(aliases.get(2)).toBe('topic');
    expect(aliases.get(1)).toBeUndefined();
  });
});
