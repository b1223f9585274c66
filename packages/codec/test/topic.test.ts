import { describe, expect, it } from 'vitest';
import {
  isSharedSubscription,
  isValidTopicFilter,
  isValidTopicName,
  topicFilterProblem,
} from '../src/index.js';

describe('topic names and filters', () => {
  it('[MQTT-4.7.0-1] [MQTT-4.7.1-1] topic names must not contain wildcards', () => {
    expect(isValidTopicName('a/b/c')).toBe(true);
    expect(isValidTopicName('/')).toBe(true);
    expect(isValidTopicName('a/+')).toBe(false);
    expect(isValidTopicName('#')).toBe(false);
  });

  it('[MQTT-4.7.3-1] names and filters are at least one character long', () => {
    expect(isValidTopicName('')).toBe(false);
    expect(isValidTopicFilter('')).toBe(false);
  });

  it('[MQTT-4.7.1-1] # is alone or after /, and last', () => {
    for (const ok of ['#', 'a/#', '/#', '+/#']) expect(isValidTopicFilter(ok)).toBe(true);
    for (const bad of ['a#', 'a/#/b', '##', '#/']) expect(isValidTopicFilter(bad)).toBe(false);
  });

  it('[MQTT-4.7.1-2] + occupies a whole level', () => {
    for (const ok of ['+', '+/+', 'a/+/b', '/+', '+/']) expect(isValidTopicFilter(ok)).toBe(true);
    for (const bad of ['a+', '+a', 'a/b+/c', '++']) expect(isValidTopicFilter(bad)).toBe(false);
  });

  it('[MQTT-4.8.2-1] [MQTT-4.8.2-2] shared subscriptions in 5.0: $share/{ShareName}/{filter}', () => {
    expect(isValidTopicFilter('$share/g/a/#')).toBe(true);
    expect(isValidTopicFilter('$share/g/+')).toBe(true);
    expect(topicFilterProblem('$share//a')).toMatch(/ShareName/);
    expect(isValidTopicFilter('$share/g')).toBe(false);
    expect(isValidTopicFilter('$share/g/')).toBe(false);
    expect(isValidTopicFilter('$share/g#/a')).toBe(false);
    expect(isValidTopicFilter('$share/+/a')).toBe(false);
    expect(isSharedSubscription('$share/g/a')).toBe(true);
    expect(isSharedSubscription('$sharex/g/a')).toBe(false);
  });

  it('$share/... is an ordinary filter before 5.0', () => {
    expect(isValidTopicFilter('$share/g', 4)).toBe(true);
    expect(isValidTopicFilter('$share//a', 3)).toBe(true);
  });
});
