/**
 * Topic Name and Topic Filter syntax (5.0 section 4.7, 4.8.2; 3.1.1 section 4.7). Length and UTF-8 rules are
 * checked by the string codec; these functions check wildcard placement and shared subscription syntax.
 */

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const SHARE_PREFIX = '$share/';

/** Why `topic` is not a valid Topic Name, or undefined when it is. Empty is invalid [MQTT-4.7.3-1]. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'must be at least one character long';
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === PLUS || c === HASH) return `must not contain the wildcard '${topic[i]}'`;
  }
  return undefined;
}

/**
 * Why `filter` is not a valid Topic Filter, or undefined when it is. '#' only alone or after '/', and last;
 * '+' occupies a whole level [MQTT-4.7.1-1..3]. With `shared` (5.0) `$share/{ShareName}/{filter}` is checked
 * too [MQTT-4.8.2-1, MQTT-4.8.2-2].
 */
export function topicFilterProblem(filter: string, shared = true): string | undefined {
  if (filter.length === 0) return 'must be at least one character long';
  // Fast path: no wildcard and no '$share/' prefix to check.
  if (filter.indexOf('+') === -1 && filter.indexOf('#') === -1 && filter.charCodeAt(0) !== 0x24)
    return undefined;
  let start = 0;
  if (shared && filter.startsWith(SHARE_PREFIX)) {
    const slash = filter.indexOf('/', SHARE_PREFIX.length);
    const shareName =
      slash === -1 ? filter.slice(SHARE_PREFIX.length) : filter.slice(SHARE_PREFIX.length, slash);
    if (shareName.length === 0) return 'shared subscription needs a ShareName of at least one character';
    if (/[+#]/.test(shareName)) return "ShareName must not contain '+' or '#'";
    if (slash === -1 || slash === filter.length - 1)
      return 'shared subscription needs a Topic Filter after the ShareName';
    start = slash + 1;
  }
  const n = filter.length;
  for (let i = start; i < n; i++) {
    const c = filter.charCodeAt(i);
    if (c === HASH) {
      if (i !== n - 1) return "'#' must be the last character";
      if (i > start && filter.charCodeAt(i - 1) !== SLASH) return "'#' must occupy a whole level";
    } else if (c === PLUS) {
      if (i > start && filter.charCodeAt(i - 1) !== SLASH) return "'+' must occupy a whole level";
      if (i < n - 1 && filter.charCodeAt(i + 1) !== SLASH) return "'+' must occupy a whole level";
    }
  }
  return undefined;
}

const SHARE_BYTES = [0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2f]; // '$share/'

/**
 * topicFilterProblem on the UTF-8 bytes `bytes[start..end)`, for the decoder: it runs before the string is
 * built. Equivalent because '/', '+', '#' and '$' never occur inside a multi-byte UTF-8 sequence.
 */
export function topicFilterBytesProblem(
  bytes: Uint8Array,
  start: number,
  end: number,
  shared: boolean,
): string | undefined {
  if (end === start) return 'must be at least one character long';
  let from = start;
  if (shared && end - start >= SHARE_BYTES.length && bytes[start] === 0x24) {
    let prefix = true;
    for (let k = 1; k < SHARE_BYTES.length; k++) {
      if (bytes[start + k] !== SHARE_BYTES[k]) {
        prefix = false;
        break;
      }
    }
    if (prefix) {
      const nameStart = start + SHARE_BYTES.length;
      let slash = nameStart;
      while (slash < end && bytes[slash] !== SLASH) slash++;
      if (slash === nameStart) return 'shared subscription needs a ShareName of at least one character';
      for (let i = nameStart; i < slash; i++) {
        if (bytes[i] === PLUS || bytes[i] === HASH) return "ShareName must not contain '+' or '#'";
      }
      if (slash >= end - 1) return 'shared subscription needs a Topic Filter after the ShareName';
      from = slash + 1;
    }
  }
  for (let i = from; i < end; i++) {
    const c = bytes[i];
    if (c === HASH) {
      if (i !== end - 1) return "'#' must be the last character";
      if (i > from && bytes[i - 1] !== SLASH) return "'#' must occupy a whole level";
    } else if (c === PLUS) {
      if (i > from && bytes[i - 1] !== SLASH) return "'+' must occupy a whole level";
      if (i < end - 1 && bytes[i + 1] !== SLASH) return "'+' must occupy a whole level";
    }
  }
  return undefined;
}

/** True when `filter` is a shared subscription (5.0): starts with `$share/`. */
export function isSharedSubscription(filter: string): boolean {
  return filter.startsWith(SHARE_PREFIX);
}

export function isValidTopicName(topic: string): boolean {
  return topicNameProblem(topic) === undefined;
}

export function isValidTopicFilter(filter: string, protocolVersion: 3 | 4 | 5 = 5): boolean {
  return topicFilterProblem(filter, protocolVersion === 5) === undefined;
}
