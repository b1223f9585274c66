import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilterTrie, filterMatchesTopic } from '../src/filter-trie.js';
import { combineLevels, hashLevels, hashWhole } from '../src/topic-hash.js';
import { referenceMatches } from './reference.js';

const word = fc.constantFrom('a', 'b', 'c', '', '$a', 'ab', 'ba');
const topicArb = fc
  .array(word, { minLength: 1, maxLength: 6 })
  .map((levels) => levels.join('/'))
  .filter((topic) => topic.length > 0);
const filterArb = fc
  .tuple(fc.array(fc.oneof(word, fc.constant('+')), { maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((filter) => filter.length > 0);

interface Item {
  readonly id: number;
  readonly filter: string;
  slot: number;
}

function matchAll(trie: FilterTrie<Item>, topic: string, mask: number): number[] {
  const hashes = new Int32Array(16);
  const count = hashLevels(topic, hashes, 16, mask);
  const ids: number[] = [];
  trie.visitExact(topic, combineLevels(hashes, count), (item) => ids.push(item.id));
  trie.visitWildcards(topic, hashes, count, topic.startsWith('$'), (item) => ids.push(item.id));
  return ids.sort((x, y) => x - y);
}

describe('filterMatchesTopic', () => {
  it('agrees with the reference matcher (without the $ rule, which the walk applies) on random input', () => {
    fc.assert(
      fc.property(filterArb, topicArb, (filter, topic) => {
        expect(filterMatchesTopic(filter, topic)).toBe(referenceMatches(filter, topic, false));
      }),
      { numRuns: 2000, seed: 5 },
    );
  });

  it('handles the edge cases of # and empty levels', () => {
    expect(filterMatchesTopic('sport/#', 'sport')).toBe(true);
    expect(filterMatchesTopic('sport/#', 'sports')).toBe(false);
    expect(filterMatchesTopic('+/', 'x/')).toBe(true);
    expect(filterMatchesTopic('+/', 'x')).toBe(false);
    expect(filterMatchesTopic('a/+', 'a')).toBe(false);
    expect(filterMatchesTopic('a//+', 'a//')).toBe(true);
    expect(filterMatchesTopic('#', 'anything/at/all')).toBe(true);
  });
});

describe('FilterTrie with colliding hashes', () => {
  // A hash mask of 0 or 1 makes every literal level collide, so only the bucket check keeps
  // answers exact, and the edge table must chain, grow and delete through long probe runs.
  for (const mask of [0, 1]) {
    it(`[MQTT-4.7.3-4] stays exact when every level hash collides (mask ${mask})`, () => {
      fc.assert(
        fc.property(
          fc.array(filterArb, { maxLength: 60 }),
          fc.array(fc.nat(), { maxLength: 30 }),
          fc.array(topicArb, { minLength: 1, maxLength: 8 }),
          (filters, removals, topics) => {
            const trie = new FilterTrie<Item>({ hashMask: mask });
            const live = filters.map((filter, id) => ({ id, filter, slot: 0 }));
            for (const item of live) trie.add(item.filter, item);
            for (const r of removals) {
              if (live.length === 0) break;
              const [item] = live.splice(r % live.length, 1);
              expect(trie.remove(item!.filter, item!)).toBe(true);
              expect(trie.remove(item!.filter, item!)).toBe(false);
            }
            expect(trie.filterCount).toBe(new Set(live.map((item) => item.filter)).size);
            for (const topic of topics) {
              const expected = live
                .filter((item) => referenceMatches(item.filter, topic))
                .map((item) => item.id)
                .sort((x, y) => x - y);
              expect(matchAll(trie, topic, mask)).toEqual(expected);
            }
            for (const item of live) expect(trie.get(item.filter)).toContain(item);
          },
        ),
        { numRuns: 200, seed: 17 + mask },
      );
    });
  }

  it('grows its tables past many nodes, shrinks them as filters go, and stays exact throughout', () => {
    const trie = new FilterTrie<Item>();
    const items: Item[] = [];
    for (let i = 0; i < 3000; i++) items.push({ id: i, filter: `t${i % 50}/+/d${i}/#`, slot: 0 });
    for (let i = 3000; i < 6000; i++) items.push({ id: i, filter: `t${i % 50}/x/d${i}`, slot: 0 });
    for (const item of items) trie.add(item.filter, item);
    expect(matchAll(trie, 't7/x/d57/y', -1)).toEqual([57]);
    expect(matchAll(trie, 't7/x/d3007', -1)).toEqual([3007]);
    expect([...trie.buckets()]).toHaveLength(6000);
    // Remove all but every 100th, in an order that interleaves exact and wildcard filters.
    for (const item of items) if (item.id % 100 !== 7) expect(trie.remove(item.filter, item)).toBe(true);
    expect(trie.filterCount).toBe(60);
    expect(matchAll(trie, 't7/x/d57/y', -1)).toEqual([]);
    expect(matchAll(trie, 't7/x/d107/y', -1)).toEqual([107]);
    expect(matchAll(trie, 't7/x/d3007', -1)).toEqual([3007]);
    expect(matchAll(trie, 't7/q/d3007', -1)).toEqual([]);
    for (const item of items) if (item.id % 100 === 7) expect(trie.remove(item.filter, item)).toBe(true);
    expect(trie.filterCount).toBe(0);
    expect(trie.hasWildcards).toBe(false);
    expect(matchAll(trie, 't7/x/d107/y', -1)).toEqual([]);
  });

  it('lists every bucket under its filter, including the # forms stored as prefixes', () => {
    const trie = new FilterTrie<Item>();
    const filters = ['#', '/#', 'a/#', 'a/b/#', '+/#', 'a/+', 'x', '/'];
    for (const [id, filter] of filters.entries()) trie.add(filter, { id, filter, slot: 0 });
    const listed = [...trie.buckets()].map(
      ([filter, items]) => `${filter}=${items.map((i) => i.filter).join()}`,
    );
    expect(listed.sort()).toEqual(filters.map((f) => `${f}=${f}`).sort());
    expect(trie.get('/#')?.map((i) => i.id)).toEqual([1]);
    expect(matchAll(trie, '/x', -1)).toEqual([0, 1, 4]);
    expect(matchAll(trie, 'a', -1)).toEqual([0, 2, 4]);
  });

  it('hashWhole equals combineLevels over hashLevels', () => {
    fc.assert(
      fc.property(topicArb, fc.constantFrom(-1, 0, 1), (topic, mask) => {
        const hashes = new Int32Array(16);
        const count = hashLevels(topic, hashes, 16, mask);
        expect(hashWhole(topic, mask)).toBe(combineLevels(hashes, count));
      }),
      { numRuns: 500, seed: 23 },
    );
  });

  it('hashLevels refuses more than maxLevels levels', () => {
    const hashes = new Int32Array(4);
    expect(hashLevels('a/b/c/d', hashes, 4)).toBe(4);
    expect(hashLevels('a/b/c/d/e', hashes, 4)).toBe(-1);
  });
});
