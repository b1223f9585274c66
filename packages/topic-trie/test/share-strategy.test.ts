import { describe, expect, it } from 'vitest';
import { randomStrategy, type ShareStrategy, SubscriptionIndex } from '../src/index.js';

/** Who receives each of `count` messages on `topic`. */
function receivers(
  index: SubscriptionIndex<number>,
  topic: string,
  count: number,
  publisher?: string,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    index.match(topic, (s) => out.push(s.subscriberKey), publisher);
  }
  return out;
}

/** A small deterministic PRNG so the random strategy is testable. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('shared subscription groups', () => {
  it('[MQTT-4.8.2-1] a $share filter joins the group named by ShareName and matches by its inner filter', () => {
    const index = new SubscriptionIndex<number>();
    index.add('c1', '$share/g1/sensors/+/temp', 1);
    index.add('c2', '$share/g1/sensors/+/temp', 2);
    index.add('c3', '$share/g2/sensors/+/temp', 3);
    const got = receivers(index, 'sensors/kitchen/temp', 1);
    // One member of g1 and the only member of g2.
    expect(got).toHaveLength(2);
    expect(got).toContain('c3');
    expect(receivers(index, 'sensors/kitchen/humidity', 1)).toEqual([]);
    // The literal topic $share/... is not matched by the shared group.
    expect(receivers(index, '$share/g1/sensors/x/temp', 1)).toEqual([]);
  });

  it('groups with the same ShareName but different filters are separate groups', () => {
    const index = new SubscriptionIndex<number>();
    index.add('c1', '$share/g/a/#', 1);
    index.add('c2', '$share/g/a/b', 2);
    expect(receivers(index, 'a/b', 1).sort()).toEqual(['c1', 'c2']);
    expect(index.filterCount).toBe(2);
  });

  it('round-robin (default) hands messages to members in turn', () => {
    const index = new SubscriptionIndex<number>();
    for (const c of ['c1', 'c2', 'c3']) index.add(c, '$share/g/t', 0);
    expect(receivers(index, 't', 6)).toEqual(['c1', 'c2', 'c3', 'c1', 'c2', 'c3']);
  });

  it('skips members the caller marks unavailable, and delivers to nobody when none is available', () => {
    const down = new Set(['c2']);
    const index = new SubscriptionIndex<number>({ isAvailable: (key) => !down.has(key) });
    for (const c of ['c1', 'c2', 'c3']) index.add(c, '$share/g/t', 0);
    expect(receivers(index, 't', 4)).toEqual(['c1', 'c3', 'c1', 'c3']);
    down.add('c1').add('c3');
    expect(receivers(index, 't', 2)).toEqual([]);
  });

  it('fallbackToUnavailable picks a member even when all are unavailable', () => {
    const index = new SubscriptionIndex<number>({ isAvailable: () => false, fallbackToUnavailable: true });
    index.add('c1', '$share/g/t', 0);
    index.add('c2', '$share/g/t', 0);
    expect(receivers(index, 't', 2)).toEqual(['c1', 'c2']);
  });

  it('random spreads messages over available members only', () => {
    const index = new SubscriptionIndex<number>({
      shareStrategy: randomStrategy(lcg(7)),
      isAvailable: (key) => key !== 'c4',
    });
    for (const c of ['c1', 'c2', 'c3', 'c4']) index.add(c, '$share/g/t', 0);
    const got = receivers(index, 't', 300);
    const counts = new Map<string, number>();
    for (const c of got) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(got).toHaveLength(300);
    expect(counts.has('c4')).toBe(false);
    for (const c of ['c1', 'c2', 'c3']) expect(counts.get(c)).toBeGreaterThan(50);
  });

  it("'random' by name uses Math.random and always delivers exactly once per group", () => {
    const index = new SubscriptionIndex<number>({ shareStrategy: 'random' });
    for (const c of ['c1', 'c2']) index.add(c, '$share/g/t', 0);
    expect(receivers(index, 't', 20)).toHaveLength(20);
  });

  it('sticky sends one publisher to the same member, spreads publishers, and moves only the lost ones', () => {
    const down = new Set<string>();
    const index = new SubscriptionIndex<number>({
      shareStrategy: 'sticky',
      isAvailable: (k) => !down.has(k),
    });
    for (const c of ['c1', 'c2', 'c3', 'c4']) index.add(c, '$share/g/t', 0);
    const owner = new Map<string, string>();
    for (let p = 0; p < 200; p++) {
      const got = receivers(index, 't', 3, `pub${p}`);
      expect(new Set(got).size).toBe(1);
      owner.set(`pub${p}`, got[0]!);
    }
    expect(new Set(owner.values()).size).toBe(4);
    down.add('c2');
    for (const [pub, was] of owner) {
      const now = receivers(index, 't', 1, pub)[0];
      if (was === 'c2') expect(now).not.toBe('c2');
      else expect(now).toBe(was);
    }
    // Without a publisher key sticky falls back to round-robin.
    down.clear();
    expect(receivers(index, 't', 4).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('accepts a custom strategy function', () => {
    const last: ShareStrategy = (group) => group.members.length - 1;
    const index = new SubscriptionIndex<number>({ shareStrategy: last });
    index.add('c1', '$share/g/t', 0);
    index.add('c2', '$share/g/t', 0);
    expect(receivers(index, 't', 2)).toEqual(['c2', 'c2']);
  });

  it('removing members keeps the group working and dropping the last one removes the group', () => {
    const index = new SubscriptionIndex<number>();
    for (const c of ['c1', 'c2', 'c3']) index.add(c, '$share/g/t/+', 0);
    index.remove('c1', '$share/g/t/+');
    expect(receivers(index, 't/x', 4).sort()).toEqual(['c2', 'c2', 'c3', 'c3']);
    index.removeAll('c2');
    index.removeAll('c3');
    expect(receivers(index, 't/x', 1)).toEqual([]);
    expect(index.filterCount).toBe(0);
  });

  it('rejects an unknown strategy name', () => {
    expect(() => new SubscriptionIndex({ shareStrategy: 'fastest' as 'random' })).toThrow(TypeError);
  });
});
