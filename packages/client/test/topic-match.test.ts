import { describe, expect, it } from 'vitest';
import { plainFilter, topicMatches } from '../src/topic-match.js';

describe('topicMatches', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['+/+', '/x', true],
    ['a/+/c', 'a//c', true],
    ['a/b', 'a/b/c', false],
    ['$share/g/a/+', 'a/x', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it('[MQTT-4.7.2-1] does not match $ topics with a leading wildcard', () => {
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(topicMatches('+/x', '$SYS/x')).toBe(false);
    expect(topicMatches('$SYS/#', '$SYS/x')).toBe(true);
  });

  it('strips the share name of a shared subscription', () => {
    expect(plainFilter('$share/group/s/+/t')).toBe('s/+/t');
    expect(plainFilter('s/+/t')).toBe('s/+/t');
  });
});
