import { describe, expect, it } from 'vitest';
import { RetainedIndex, TopicValidationError } from '../src/index.js';

function found(index: RetainedIndex<string>, filter: string): string[] {
  const out: string[] = [];
  index.match(filter, (topic) => out.push(topic));
  return out.sort();
}

const TOPICS = [
  'sport',
  'sport/tennis',
  'sport/tennis/player1',
  'sport/tennis/player1/ranking',
  'sport/golf',
  'sport/',
  '/finance',
  '$SYS/broker/load',
  '$SYS',
  'a/$x',
];

function filled(): RetainedIndex<string> {
  const index = new RetainedIndex<string>();
  for (const topic of TOPICS) index.set(topic, topic.toUpperCase());
  return index;
}

describe('RetainedIndex', () => {
  it('sets, gets, replaces, deletes and counts', () => {
    const index = filled();
    expect(index.size).toBe(TOPICS.length);
    expect(index.get('sport/tennis')).toBe('SPORT/TENNIS');
    expect(index.get('sport/tennis/player2')).toBeUndefined();
    expect(index.get('')).toBeUndefined();
    index.set('sport/tennis', 'new');
    expect(index.size).toBe(TOPICS.length);
    expect(index.get('sport/tennis')).toBe('new');
    expect(index.delete('sport/tennis')).toBe(true);
    expect(index.delete('sport/tennis')).toBe(false);
    expect(index.has('sport/tennis')).toBe(false);
    // Its children survive the delete of their parent.
    expect(index.get('sport/tennis/player1')).toBe('SPORT/TENNIS/PLAYER1');
    expect(index.size).toBe(TOPICS.length - 1);
    expect([...index.entries()].map(([t]) => t).sort()).toEqual(
      TOPICS.filter((t) => t !== 'sport/tennis').sort(),
    );
    index.clear();
    expect(index.size).toBe(0);
    expect(found(index, '#')).toEqual([]);
  });

  it('deleting prunes emptied branches and a later set rebuilds them', () => {
    const index = new RetainedIndex<string>();
    index.set('a/b/c', 'x');
    expect(index.delete('a/b/c')).toBe(true);
    expect(index.has('a/b')).toBe(false);
    expect(found(index, '#')).toEqual([]);
    index.set('a/b/c', 'y');
    expect(found(index, 'a/+/c')).toEqual(['a/b/c']);
  });

  it('[MQTT-4.7.1-2] a new subscription with + finds retained topics one level deep, including empty levels (3.1.1: [MQTT-4.7.1-3])', () => {
    const index = filled();
    expect(found(index, 'sport/+')).toEqual(['sport/', 'sport/golf', 'sport/tennis']);
    expect(found(index, '+')).toEqual(['sport']);
    expect(found(index, '+/+')).toEqual(['/finance', 'a/$x', 'sport/', 'sport/golf', 'sport/tennis']);
    expect(found(index, 'sport/+/player1')).toEqual(['sport/tennis/player1']);
  });

  it('[MQTT-4.7.1-1] # finds the parent level and everything below: sport/# includes sport (3.1.1: [MQTT-4.7.1-2])', () => {
    const index = filled();
    expect(found(index, 'sport/#')).toEqual([
      'sport',
      'sport/',
      'sport/golf',
      'sport/tennis',
      'sport/tennis/player1',
      'sport/tennis/player1/ranking',
    ]);
    expect(found(index, 'sport/tennis/player1/#')).toEqual([
      'sport/tennis/player1',
      'sport/tennis/player1/ranking',
    ]);
    expect(found(index, '+/tennis/#')).toHaveLength(3);
  });

  it('[MQTT-4.7.2-1] filters starting with a wildcard do not find $ topics; $SYS filters do', () => {
    const index = filled();
    const all = found(index, '#');
    expect(all).not.toContain('$SYS');
    expect(all).not.toContain('$SYS/broker/load');
    expect(all).toContain('a/$x');
    expect(found(index, '+/broker/load')).toEqual([]);
    expect(found(index, '$SYS/#')).toEqual(['$SYS', '$SYS/broker/load']);
    expect(found(index, '$SYS/+/load')).toEqual(['$SYS/broker/load']);
  });

  it('[MQTT-4.7.3-4] finds topics byte for byte with no normalisation', () => {
    const index = new RetainedIndex<string>();
    index.set('caf\u00e9', 'composed');
    expect(found(index, 'cafe\u0301')).toEqual([]);
    expect(found(index, 'caf\u00e9')).toEqual(['caf\u00e9']);
    expect(found(index, 'CAF\u00c9')).toEqual([]);
  });

  it('refuses invalid topic names and filters with typed errors', () => {
    const index = new RetainedIndex<string>({ limits: { maxLevels: 3 } });
    expect(() => index.set('a/+', 'x')).toThrow(expect.objectContaining({ code: 'WILDCARD_IN_TOPIC_NAME' }));
    expect(() => index.set('a/b/c/d', 'x')).toThrow(expect.objectContaining({ code: 'LEVEL_LIMIT' }));
    expect(() => index.match('a/#/b', () => undefined)).toThrow(TopicValidationError);
    expect(index.get('a/b/c/d')).toBeUndefined();
  });

  it('refuses a filter of 30,000 levels with LEVEL_LIMIT before walking anything', () => {
    const index = filled();
    expect(() => index.match(`${'+/'.repeat(30_000)}#`, () => undefined)).toThrow(
      expect.objectContaining({ code: 'LEVEL_LIMIT', reasonCode: 0x8f }),
    );
    expect(index.get('/'.repeat(30_000))).toBeUndefined();
  });

  it('match returns the number of visits and the values', () => {
    const index = filled();
    const values: string[] = [];
    expect(index.match('sport/golf', (_t, v) => values.push(v))).toBe(1);
    expect(values).toEqual(['SPORT/GOLF']);
  });
});
