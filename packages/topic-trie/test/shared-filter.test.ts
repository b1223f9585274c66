import { describe, expect, it } from 'vitest';
import {
  isValidTopicFilter,
  parseSharedFilter,
  TopicValidationError,
  validateTopicFilter,
} from '../src/index.js';

function shareError(filter: string): TopicValidationError {
  try {
    parseSharedFilter(filter);
  } catch (err) {
    if (err instanceof TopicValidationError) return err;
    throw err;
  }
  throw new Error(`expected ${filter} to be refused`);
}

describe('parseSharedFilter', () => {
  it('returns null for filters that are not shared', () => {
    for (const filter of ['sport/#', '$share', '$SYS/#', 'share/g/x', '$shared/g/x']) {
      expect(parseSharedFilter(filter)).toBeNull();
    }
  });

  it('[MQTT-4.8.2-1] splits $share/{ShareName}/{filter} and requires a ShareName of at least one character', () => {
    expect(parseSharedFilter('$share/consumer1/sport/tennis/+')).toEqual({
      shareName: 'consumer1',
      filter: 'sport/tennis/+',
    });
    expect(parseSharedFilter('$share/g/#')).toEqual({ shareName: 'g', filter: '#' });
    for (const filter of ['$share/', '$share//sport']) {
      const err = shareError(filter);
      expect(err.code).toBe('SHARE_NAME_EMPTY');
      expect(err.rule).toBe('MQTT-4.8.2-1');
      expect(err.reasonCode).toBe(0x8f);
    }
  });

  it('[MQTT-4.8.2-2] rejects a ShareName with + or #, or one not followed by / and a filter', () => {
    for (const filter of ['$share/a+b/x', '$share/#/x', '$share/+/x', '$share/group', '$share/group/']) {
      const err = shareError(filter);
      expect(err.code).toBe('SHARE_NAME_INVALID');
      expect(err.rule).toBe('MQTT-4.8.2-2');
    }
  });

  it('validateTopicFilter checks both the share part and the inner filter', () => {
    expect(isValidTopicFilter('$share/g/a/+/b')).toBe(true);
    expect(isValidTopicFilter('$share/g/a/b+')).toBe(false);
    expect(isValidTopicFilter('$share//a')).toBe(false);
    expect(() => validateTopicFilter('$share/g')).toThrow(TopicValidationError);
  });
});
