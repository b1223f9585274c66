import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSharedSubscription,
  isValidTopicFilter,
  isValidTopicName,
  topicFilterProblem,
} from '../src/index.js';
import { topicFilterBytesProblem } from '../src/topic.js';

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

describe('topic filter checks on bytes', () => {
  it('agree with the string checks for random filters, with and without shared subscriptions', () => {
    const alphabet = fc.constantFrom('a', '/', '+', '#', '$', 's', 'h', 'r', 'e', 'ä', '$share/', '😀');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 10 }), fc.boolean(), (parts, shared) => {
        const filter = parts.join('');
        const bytes = new TextEncoder().encode(filter);
        expect(topicFilterBytesProblem(bytes, 0, bytes.length, shared)).toBe(
          topicFilterProblem(filter, shared),
        );
      }),
      { numRuns: 5000 },
    );
  });
});
