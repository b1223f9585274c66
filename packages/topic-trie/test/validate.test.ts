import { describe, expect, it } from 'vitest';
import {
  isValidTopicFilter,
  isValidTopicName,
  TopicReasonCode,
  TopicValidationError,
  validateTopicFilter,
  validateTopicName,
} from '../src/index.js';

function nameError(topic: string, limits?: { maxLevels?: number; maxLength?: number }): TopicValidationError {
  try {
    validateTopicName(topic, limits);
  } catch (err) {
    if (err instanceof TopicValidationError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(topic)} to be refused as a topic name`);
}

function filterError(
  filter: string,
  limits?: { maxLevels?: number; maxLength?: number },
): TopicValidationError {
  try {
    validateTopicFilter(filter, limits);
  } catch (err) {
    if (err instanceof TopicValidationError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be refused as a topic filter`);
}

describe('topic names', () => {
  it('[MQTT-4.7.0-1] rejects + and # anywhere in a topic name (3.1.1: [MQTT-4.7.1-1])', () => {
    for (const topic of ['+', '#', 'a/+', 'a/#', 'a+b', 'sport/tennis#', '+/x']) {
      const err = nameError(topic);
      expect(err.code).toBe('WILDCARD_IN_TOPIC_NAME');
      expect(err.rule).toBe('MQTT-4.7.0-1');
      expect(err.rule311).toBe('MQTT-4.7.1-1');
      expect(err.reasonCode).toBe(TopicReasonCode.TopicNameInvalid);
      expect(isValidTopicName(topic)).toBe(false);
    }
  });

  it('[MQTT-4.7.3-1] rejects an empty topic name and accepts one-character and empty-level names', () => {
    expect(nameError('').code).toBe('EMPTY');
    expect(nameError('').rule).toBe('MQTT-4.7.3-1');
    for (const topic of ['a', '/', '//', 'a//b', '/a', 'a/']) expect(isValidTopicName(topic)).toBe(true);
  });

  it('[MQTT-4.7.3-2] rejects U+0000 in a topic name', () => {
    const err = nameError('a/\u0000/b');
    expect(err.code).toBe('NULL_CHARACTER');
    expect(err.rule).toBe('MQTT-4.7.3-2');
  });

  it('[MQTT-4.7.3-3] accepts 65535 UTF-8 bytes and rejects 65536, counting multi-byte characters', () => {
    expect(isValidTopicName('a'.repeat(65_535))).toBe(true);
    expect(nameError('a'.repeat(65_536)).code).toBe('TOO_LONG');
    // 21845 three-byte characters are 65535 bytes; one more byte tips it over.
    expect(isValidTopicName('€'.repeat(21_845))).toBe(true);
    const err = nameError(`${'€'.repeat(21_845)}a`);
    expect(err.code).toBe('TOO_LONG');
    expect(err.rule).toBe('MQTT-4.7.3-3');
    // Surrogate pairs are 4 bytes.
    expect(isValidTopicName('😀'.repeat(16_383))).toBe(true);
    expect(nameError('😀'.repeat(16_384)).code).toBe('TOO_LONG');
  });

  it('[MQTT-1.5.4-1] rejects a lone surrogate, which cannot be encoded as UTF-8 (3.1.1: [MQTT-1.5.3-1])', () => {
    for (const topic of ['a\ud800', '\udc00b', 'a\ud800b', 'x/\udbff']) {
      const err = nameError(topic);
      expect(err.code).toBe('MALFORMED_UTF8');
      expect(err.rule311).toBe('MQTT-1.5.3-1');
    }
    expect(isValidTopicName('a/😀/b')).toBe(true);
  });

  it('accepts names beginning with $ and names with spaces or U+FEFF untouched', () => {
    for (const topic of ['$SYS/broker/load', ' a ', '\ufeff/x', 'ACCOUNTS', 'accounts']) {
      expect(isValidTopicName(topic)).toBe(true);
    }
  });

  it('rejects non-string input with a TypeError', () => {
    expect(() => validateTopicName(42 as unknown as string)).toThrow(TypeError);
    expect(isValidTopicName(42 as unknown as string)).toBe(false);
  });
});

describe('topic filters', () => {
  it('[MQTT-4.7.1-1] accepts # alone or after / as the last level and rejects it elsewhere (3.1.1: [MQTT-4.7.1-2])', () => {
    for (const filter of ['#', 'sport/#', 'sport/tennis/#', '+/#', '/#']) {
      expect(isValidTopicFilter(filter)).toBe(true);
    }
    for (const filter of ['sport/tennis#', 'sport/#/ranking', '#/', '##', 'a/#/#', 'sport#']) {
      const err = filterError(filter);
      expect(err.code).toBe('MULTI_LEVEL_WILDCARD_POSITION');
      expect(err.rule).toBe('MQTT-4.7.1-1');
      expect(err.rule311).toBe('MQTT-4.7.1-2');
      expect(err.reasonCode).toBe(TopicReasonCode.TopicFilterInvalid);
    }
  });

  it('[MQTT-4.7.1-2] accepts + filling whole levels, first and last included, and rejects partial + (3.1.1: [MQTT-4.7.1-3])', () => {
    for (const filter of ['+', '+/tennis/#', 'sport/+/player1', 'sport/+', '+/+', '/+', '+/', '+//+']) {
      expect(isValidTopicFilter(filter)).toBe(true);
    }
    for (const filter of ['sport+', 'sport/+tennis', '++', 'a/b+/c', '+a']) {
      const err = filterError(filter);
      expect(err.code).toBe('SINGLE_LEVEL_WILDCARD_POSITION');
      expect(err.rule).toBe('MQTT-4.7.1-2');
      expect(err.rule311).toBe('MQTT-4.7.1-3');
    }
  });

  it('[MQTT-4.7.3-1] rejects an empty topic filter', () => {
    expect(filterError('').code).toBe('EMPTY');
    expect(isValidTopicFilter('/')).toBe(true);
  });

  it('[MQTT-4.7.3-2] rejects U+0000 in a topic filter', () => {
    expect(filterError('a/+/\u0000').code).toBe('NULL_CHARACTER');
  });

  it('[MQTT-4.7.3-3] rejects a topic filter longer than 65535 UTF-8 bytes', () => {
    expect(isValidTopicFilter(`${'ü'.repeat(32_766)}/#`)).toBe(true);
    const err = filterError(`${'ü'.repeat(32_767)}/#`);
    expect(err.code).toBe('TOO_LONG');
    expect(err.reasonCode).toBe(0x8f);
  });
});

describe('limits', () => {
  it('rejects more levels than maxLevels (default 128) before other work', () => {
    expect(isValidTopicName('a/'.repeat(127).concat('a'))).toBe(true);
    const err = nameError('a/'.repeat(128).concat('a'));
    expect(err.code).toBe('LEVEL_LIMIT');
    expect(err.rule).toBe('limits.maxLevels');
    expect(filterError('+/+/+/#', { maxLevels: 3 }).code).toBe('LEVEL_LIMIT');
    expect(isValidTopicFilter('+/+/#', { maxLevels: 3 })).toBe(true);
  });

  it('rejects a topic longer than maxLength bytes with LENGTH_LIMIT', () => {
    expect(nameError('abcdef', { maxLength: 5 }).code).toBe('LENGTH_LIMIT');
    expect(nameError('ab€', { maxLength: 4 }).code).toBe('LENGTH_LIMIT');
    expect(isValidTopicName('ab€', { maxLength: 5 })).toBe(true);
  });

  it('never allows more than the spec maximum, whatever maxLength says', () => {
    expect(nameError('a'.repeat(70_000), { maxLength: 100_000 }).code).toBe('TOO_LONG');
  });

  it('rejects nonsensical limits with a RangeError', () => {
    expect(() => validateTopicName('a', { maxLevels: 0 })).toThrow(RangeError);
    expect(() => validateTopicName('a', { maxLength: 1.5 })).toThrow(RangeError);
  });

  it('errors carry a message naming the rule and a shortened copy of the input', () => {
    const err = nameError(`${'x'.repeat(100)}+`);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TopicValidationError');
    expect(err.message).toContain('[MQTT-4.7.0-1]');
    expect(err.message.length).toBeLessThan(200);
  });
});
