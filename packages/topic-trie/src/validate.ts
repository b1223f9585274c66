import { type TopicErrorCode, TopicValidationError } from './errors.js';
import { type ResolvedLimits, resolveLimits, type TopicLimits } from './limits.js';
import { checkShareName, SHARE_PREFIX } from './shared-filter.js';

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;

/**
 * One pass over the UTF-16 code units: null characters, lone surrogates, wildcard placement,
 * level count and UTF-8 byte length. Returns the first broken rule, or undefined.
 */
function check(str: string, filter: boolean, limits: ResolvedLimits): TopicErrorCode | undefined {
  if (typeof str !== 'string') throw new TypeError('topic must be a string');
  const len = str.length;
  if (len === 0) return 'EMPTY';
  // Each UTF-16 code unit is at least one UTF-8 byte: reject before scanning.
  if (len > limits.maxLength) return len > 65_535 ? 'TOO_LONG' : 'LENGTH_LIMIT';
  let bytes = 0;
  let levels = 1;
  for (let i = 0; i < len; i++) {
    const c = str.charCodeAt(i);
    if (c < 0x80) {
      bytes += 1;
      if (c === SLASH) {
        if (++levels > limits.maxLevels) return 'LEVEL_LIMIT';
      } else if (c === 0) {
        return 'NULL_CHARACTER';
      } else if (c === PLUS) {
        if (!filter) return 'WILDCARD_IN_TOPIC_NAME';
        if ((i > 0 && str.charCodeAt(i - 1) !== SLASH) || (i + 1 < len && str.charCodeAt(i + 1) !== SLASH)) {
          return 'SINGLE_LEVEL_WILDCARD_POSITION';
        }
      } else if (c === HASH) {
        if (!filter) return 'WILDCARD_IN_TOPIC_NAME';
        if (i + 1 !== len || (i > 0 && str.charCodeAt(i - 1) !== SLASH))
          return 'MULTI_LEVEL_WILDCARD_POSITION';
      }
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A surrogate pair is one code point of 4 UTF-8 bytes; a lone half cannot be encoded.
      const next = i + 1 < len ? str.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) return 'MALFORMED_UTF8';
      bytes += 4;
      i++;
    } else {
      bytes += 3;
    }
  }
  if (bytes > limits.maxLength) return bytes > 65_535 ? 'TOO_LONG' : 'LENGTH_LIMIT';
  if (filter && str.startsWith(SHARE_PREFIX)) return checkShareName(str);
  return undefined;
}

function limitsOf(limits: TopicLimits | ResolvedLimits | undefined): ResolvedLimits {
  return limits === undefined ? resolveLimits(undefined) : resolveLimits(limits);
}

/**
 * Throw a TopicValidationError (reason code 0x90) unless `topic` is a valid Topic Name:
 * non-empty, no U+0000, well-formed, at most 65535 UTF-8 bytes, no `+` or `#`, within `limits`.
 */
export function validateTopicName(topic: string, limits?: TopicLimits): void {
  const code = check(topic, false, limitsOf(limits));
  if (code !== undefined) throw new TopicValidationError(code, 'name', describe(topic));
}

/**
 * Throw a TopicValidationError (reason code 0x8F) unless `filter` is a valid Topic Filter:
 * the Topic Name rules, except that `+` may fill a whole level and `#` may fill the whole last level.
 * A filter starting with `$share/` must also be a well-formed shared subscription.
 */
export function validateTopicFilter(filter: string, limits?: TopicLimits): void {
  const code = check(filter, true, limitsOf(limits));
  if (code !== undefined) throw new TopicValidationError(code, 'filter', describe(filter));
}

/** Non-throwing form of validateTopicName. */
export function isValidTopicName(topic: string, limits?: TopicLimits): boolean {
  return typeof topic === 'string' && check(topic, false, limitsOf(limits)) === undefined;
}

/** Non-throwing form of validateTopicFilter. */
export function isValidTopicFilter(filter: string, limits?: TopicLimits): boolean {
  return typeof filter === 'string' && check(filter, true, limitsOf(limits)) === undefined;
}

/** Internal: validate with already-resolved limits (index classes resolve once). */
export function assertFilter(filter: string, limits: ResolvedLimits): void {
  const code = check(filter, true, limits);
  if (code !== undefined) throw new TopicValidationError(code, 'filter', describe(filter));
}

/** Internal: validate with already-resolved limits (index classes resolve once). */
export function assertName(topic: string, limits: ResolvedLimits): void {
  const code = check(topic, false, limits);
  if (code !== undefined) throw new TopicValidationError(code, 'name', describe(topic));
}

/** Quote the offending input in messages, shortened so a 64 KiB topic does not end up in logs. */
function describe(str: string): string {
  if (typeof str !== 'string') return '';
  const shown = str.length > 64 ? `${str.slice(0, 61)}...` : str;
  return JSON.stringify(shown);
}
