import { describe, expect, it } from 'vitest';
import { mqttMerger, SubscriptionIndex, TopicValidationError } from '../src/index.js';

interface Sub {
  qos: number;
  subscriptionIdentifier?: number;
}

/** Sorted "subscriber filter" strings of every raw match. */
function matches<V>(index: SubscriptionIndex<V>, topic: string): string[] {
  const out: string[] = [];
  index.match(topic, (s) => out.push(`${s.subscriberKey} ${s.filter}`));
  return out.sort();
}

function filtersMatching(filters: string[], topic: string): string[] {
  const index = new SubscriptionIndex<number>();
  for (const filter of filters) index.add('c', filter, 0);
  return matches(index, topic).map((m) => m.slice(2));
}

describe('SubscriptionIndex matching', () => {
  it('[MQTT-4.7.1-2] + matches exactly one level, including an empty one (3.1.1: [MQTT-4.7.1-3])', () => {
    const filters = ['sport/tennis/+', 'sport/+', '+', '+/+', '/+', 'a/+/c'];
    expect(filtersMatching(filters, 'sport/tennis/player1')).toEqual(['sport/tennis/+']);
    expect(filtersMatching(filters, 'sport/tennis/player1/ranking')).toEqual([]);
    expect(filtersMatching(filters, 'sport')).toEqual(['+']);
    expect(filtersMatching(filters, 'sport/')).toEqual(['+/+', 'sport/+']);
    expect(filtersMatching(filters, '/finance')).toEqual(['+/+', '/+']);
    expect(filtersMatching(filters, 'a//c')).toEqual(['a/+/c']);
  });

  it('[MQTT-4.7.1-1] # matches the parent level and every level below (3.1.1: [MQTT-4.7.1-2])', () => {
    const filters = ['sport/tennis/player1/#', 'sport/#', '#', 'sport/tennis/#', '+/#'];
    expect(filtersMatching(filters, 'sport')).toEqual(['#', '+/#', 'sport/#']);
    expect(filtersMatching(filters, 'sport/tennis/player1')).toEqual([
      '#',
      '+/#',
      'sport/#',
      'sport/tennis/#',
      'sport/tennis/player1/#',
    ]);
    expect(filtersMatching(filters, 'sport/tennis/player1/score/wimbledon')).toHaveLength(5);
    expect(filtersMatching(filters, 'sports')).toEqual(['#', '+/#']);
    expect(filtersMatching(['sport/#'], 'sport/')).toEqual(['sport/#']);
  });

  it('[MQTT-4.7.2-1] filters starting with + or # do not match topics beginning with $', () => {
    const filters = [
      '#',
      '+/monitor/Clients',
      '+/#',
      '+',
      '$SYS/#',
      '$SYS/monitor/+',
      '$SYS/monitor/Clients',
    ];
    expect(filtersMatching(filters, '$SYS/monitor/Clients')).toEqual([
      '$SYS/#',
      '$SYS/monitor/+',
      '$SYS/monitor/Clients',
    ]);
    expect(filtersMatching(filters, '$SYS')).toEqual(['$SYS/#']);
    // Only the first character counts: a $ deeper in the topic is ordinary.
    expect(filtersMatching(['+/$x', '#'], 'a/$x')).toEqual(['#', '+/$x']);
  });

  it('[MQTT-4.7.3-4] matches byte for byte: no case folding, Unicode normalisation or trimming', () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    const filters = [composed, 'Sport', 'sport ', `${composed}/+`];
    expect(filtersMatching(filters, composed)).toEqual([composed]);
    expect(filtersMatching(filters, decomposed)).toEqual([]);
    expect(filtersMatching(filters, 'sport')).toEqual([]);
    expect(filtersMatching(filters, `${decomposed}/x`)).toEqual([]);
  });

  it('exact and wildcard filters are found together; a topic matching nothing gives no visits', () => {
    const index = new SubscriptionIndex<number>();
    index.add('a', 'x/y/z', 1);
    index.add('b', 'x/+/z', 2);
    index.add('c', 'x/#', 3);
    expect(matches(index, 'x/y/z')).toEqual(['a x/y/z', 'b x/+/z', 'c x/#']);
    expect(index.match('q', () => undefined)).toBe(0);
    expect(index.match('x/y/z', () => undefined)).toBe(3);
  });

  it('enforces maxLevels and maxLength on match before any work', () => {
    const index = new SubscriptionIndex<number>({ limits: { maxLevels: 4, maxLength: 20 } });
    index.add('a', '+/#', 1);
    expect(() => index.match('a/b/c/d/e', () => undefined)).toThrow(TopicValidationError);
    expect(() => index.match('x'.repeat(21), () => undefined)).toThrow(/maxLength|longer/);
    expect(matches(index, 'a/b/c/d')).toEqual(['a +/#']);
    expect(() => index.add('a', 'a/b/c/d/#', 1)).toThrow(TopicValidationError);
    // A topic of 100,000 levels is refused before it is split.
    const deep = new SubscriptionIndex<number>();
    deep.add('a', '#', 1);
    expect(() => deep.match('/'.repeat(65_000), () => undefined)).toThrow(TopicValidationError);
  });

  it('a visitor may match again (nested match) without corrupting the outer one', () => {
    const index = new SubscriptionIndex<number>();
    index.add('a', 'x/+', 1);
    index.add('b', 'x/y', 2);
    const seen: string[] = [];
    index.match('x/y', (s) => {
      seen.push(s.subscriberKey);
      if (s.subscriberKey === 'a') index.match('x/z', (inner) => seen.push(`inner ${inner.subscriberKey}`));
    });
    expect(seen.sort()).toEqual(['a', 'b', 'inner a']);
  });
});

describe('SubscriptionIndex bookkeeping', () => {
  it('[MQTT-3.8.4-3] adding the same subscriber and filter replaces the value instead of adding another', () => {
    const index = new SubscriptionIndex<Sub>();
    expect(index.add('c1', 'a/+', { qos: 0 })).toBe(true);
    expect(index.add('c1', 'a/+', { qos: 2 })).toBe(false);
    expect(index.size).toBe(1);
    expect(index.get('c1', 'a/+')).toEqual({ qos: 2 });
    const seen: number[] = [];
    index.match('a/b', (s) => seen.push(s.value.qos));
    expect(seen).toEqual([2]);
  });

  it('[MQTT-3.8.4-3] tells new from existing filters of a subscriber with many, shared ones included', () => {
    const index = new SubscriptionIndex<number>();
    for (let i = 0; i < 50; i++) expect(index.add('many', `f/${i}`, i)).toBe(true);
    expect(index.add('many', '$share/g/f/1', 1)).toBe(true);
    // A filter only another subscriber has is still new for this one, and the other one's stays apart.
    expect(index.add('other', 'f/x', 0)).toBe(true);
    expect(index.add('many', 'f/x', 7)).toBe(true);
    expect(index.add('many', 'f/7', 70)).toBe(false);
    expect(index.add('many', '$share/g/f/1', 10)).toBe(false);
    expect(index.add('many', '$share/h/f/1', 11)).toBe(true);
    expect([index.get('many', 'f/7'), index.get('many', 'f/x'), index.get('other', 'f/x')]).toEqual([
      70, 7, 0,
    ]);
    expect(index.has('many', 'f/none')).toBe(false);
    expect(index.size).toBe(54);
  });

  it('adds, counts, gets, removes and iterates', () => {
    const index = new SubscriptionIndex<string>();
    index.add('c1', 'a', 'v1');
    index.add('c1', 'a/#', 'v2');
    index.add('c2', 'a', 'v3');
    index.add('c2', '$share/g/a', 'v4');
    expect(index.size).toBe(4);
    expect(index.subscriberCount).toBe(2);
    expect(index.filterCount).toBe(3);
    expect(index.has('c2', 'a')).toBe(true);
    expect(index.get('c3', 'a')).toBeUndefined();
    expect(
      [...index].map((s) => `${s.subscriberKey}:${s.filter}:${s.value}:${s.shareName ?? '-'}`).sort(),
    ).toEqual(['c1:a/#:v2:-', 'c1:a:v1:-', 'c2:$share/g/a:v4:g', 'c2:a:v3:-']);
    expect(
      index
        .subscriptionsOf('c1')
        .map((s) => s.filter)
        .sort(),
    ).toEqual(['a', 'a/#']);
    expect([...index.subscribers()].sort()).toEqual(['c1', 'c2']);
    expect(index.remove('c1', 'a')).toBe(true);
    expect(index.remove('c1', 'a')).toBe(false);
    expect(index.remove('nobody', 'a')).toBe(false);
    expect(matches(index, 'a')).toEqual(['c1 a/#', 'c2 $share/g/a', 'c2 a']);
    expect(index.removeAll('c2')).toBe(2);
    expect(index.removeAll('c2')).toBe(0);
    expect(matches(index, 'a')).toEqual(['c1 a/#']);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.filterCount).toBe(0);
    expect(matches(index, 'a')).toEqual([]);
  });

  it('removing the last subscription of a wildcard filter prunes the trie so later matches see nothing', () => {
    const index = new SubscriptionIndex<number>();
    const filters = ['a/+/c', 'a/+/#', 'a/b/+', '+/b', '#', '/+', 'a/+'];
    for (const [i, filter] of filters.entries()) index.add(`c${i}`, filter, i);
    for (const [i, filter] of filters.entries()) expect(index.remove(`c${i}`, filter)).toBe(true);
    expect(index.size).toBe(0);
    expect(index.filterCount).toBe(0);
    for (const topic of ['a/b/c', 'a/b', '/x', 'q']) expect(matches(index, topic)).toEqual([]);
    index.add('z', 'a/+/c', 9);
    expect(matches(index, 'a/b/c')).toEqual(['z a/+/c']);
  });

  it('finds a subscription in a filter shared by many subscribers, and in a subscriber with many filters', () => {
    const index = new SubscriptionIndex<number>();
    for (let i = 0; i < 200; i++) index.add(`c${i}`, 'hot/topic', i);
    for (let i = 0; i < 200; i++) index.add('busy', `f/${i}`, i);
    expect(index.get('c150', 'hot/topic')).toBe(150);
    expect(index.get('busy', 'f/150')).toBe(150);
    expect(index.remove('c150', 'hot/topic')).toBe(true);
    expect(index.remove('busy', 'hot/topic')).toBe(false);
    expect(index.match('hot/topic', () => undefined)).toBe(199);
  });

  it('removes from a filter with thousands of subscribers and a subscriber with thousands of filters', () => {
    const index = new SubscriptionIndex<number>();
    const n = 3000;
    for (let i = 0; i < n; i++) {
      index.add(`c${i}`, 'broadcast/all', i);
      index.add(`c${i}`, '$share/g/jobs/+', i);
      index.add('busy', `f/${i}/+`, i);
    }
    // Remove in a scrambled order; every answer must stay right along the way.
    for (let k = 0; k < n; k++) {
      const i = (k * 7919) % n;
      expect(index.remove(`c${i}`, 'broadcast/all')).toBe(true);
      expect(index.remove('busy', `f/${i}/+`)).toBe(true);
      if (k % 500 === 0) {
        expect(index.match('broadcast/all', () => undefined)).toBe(n - k - 1);
        expect(index.get(`c${(k * 7919 + 1) % n}`, '$share/g/jobs/+')).toBeDefined();
      }
    }
    expect(index.match('broadcast/all', () => undefined)).toBe(0);
    expect(index.subscriptionsOf('busy')).toEqual([]);
    expect(index.size).toBe(n);
    for (let i = 0; i < n; i++) expect(index.removeAll(`c${i}`)).toBe(1);
    expect(index.size).toBe(0);
    expect(index.match('jobs/x', () => undefined)).toBe(0);
  });

  it('rejects invalid filters with reason code 0x8F and a non-string subscriber key with a TypeError', () => {
    const index = new SubscriptionIndex<number>();
    expect(() => index.add('c', 'a/#/b', 0)).toThrow(expect.objectContaining({ reasonCode: 0x8f }));
    expect(() => index.add('c', '$share//a', 0)).toThrow(
      expect.objectContaining({ code: 'SHARE_NAME_EMPTY' }),
    );
    expect(() => index.add(1 as unknown as string, 'a', 0)).toThrow(TypeError);
    expect(index.size).toBe(0);
  });
});

describe('matchMerged', () => {
  it('[MQTT-3.3.4-3] sends the subscription identifiers of every overlapping subscription of a client', () => {
    const index = new SubscriptionIndex<Sub>();
    index.add('c1', 'sport/#', { qos: 0, subscriptionIdentifier: 1 });
    index.add('c1', 'sport/+', { qos: 1, subscriptionIdentifier: 2 });
    index.add('c1', 'sport/tennis', { qos: 0 });
    const merged = index.matchMerged('sport/tennis', mqttMerger());
    const c1 = merged.subscribers.get('c1');
    expect(merged.subscribers.size).toBe(1);
    expect(c1?.subscriptionIdentifiers.sort()).toEqual([1, 2]);
    expect(c1?.subscriptions).toHaveLength(3);
  });

  it('[MQTT-3.3.4-4] a single merged copy per client carries all identifiers and the highest QoS', () => {
    const index = new SubscriptionIndex<Sub>();
    index.add('c1', 'a/+', { qos: 1, subscriptionIdentifier: 10 });
    index.add('c1', 'a/#', { qos: 2, subscriptionIdentifier: 11 });
    index.add('c1', '#', { qos: 0, subscriptionIdentifier: 12 });
    index.add('c2', 'a/b', { qos: 0 });
    const merged = index.matchMerged('a/b', mqttMerger());
    expect(merged.subscribers.get('c1')?.qos).toBe(2);
    expect(merged.subscribers.get('c1')?.subscriptionIdentifiers.sort()).toEqual([10, 11, 12]);
    expect(merged.subscribers.get('c2')).toMatchObject({ qos: 0, subscriptionIdentifiers: [] });
    expect(merged.shared).toEqual([]);
  });

  it('[MQTT-3.3.4-5] the raw match gives each overlapping subscription its own identifier for separate copies', () => {
    const index = new SubscriptionIndex<Sub>();
    index.add('c1', 'a/+', { qos: 1, subscriptionIdentifier: 10 });
    index.add('c1', 'a/#', { qos: 2, subscriptionIdentifier: 11 });
    index.add('c1', 'a/b', { qos: 0 });
    const copies: [string, number | undefined][] = [];
    index.match('a/b', (s) => copies.push([s.filter, s.value.subscriptionIdentifier]));
    expect(copies.sort()).toEqual([
      ['a/#', 11],
      ['a/+', 10],
      ['a/b', undefined],
    ]);
  });

  it('accepts a custom merger over any value type', () => {
    const index = new SubscriptionIndex<string>();
    index.add('c', 'x/#', 'hash');
    index.add('c', 'x/+', 'plus');
    const merged = index.matchMerged('x/y', {
      first: (s) => [s.value],
      next: (acc: string[], s) => [...acc, s.value],
    });
    expect(merged.subscribers.get('c')?.sort()).toEqual(['hash', 'plus']);
  });

  it('keeps shared-group deliveries apart from the same client’s own subscriptions', () => {
    const index = new SubscriptionIndex<Sub>();
    index.add('c1', 'a/b', { qos: 0, subscriptionIdentifier: 1 });
    index.add('c1', '$share/g/a/+', { qos: 1, subscriptionIdentifier: 2 });
    const merged = index.matchMerged('a/b', mqttMerger());
    expect(merged.subscribers.get('c1')?.subscriptionIdentifiers).toEqual([1]);
    expect(merged.shared.map((s) => [s.subscriberKey, s.shareName, s.value.subscriptionIdentifier])).toEqual([
      ['c1', 'g', 2],
    ]);
  });
});
