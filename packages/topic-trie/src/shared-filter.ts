import type { TopicErrorCode } from './errors.js';
import { TopicValidationError } from './errors.js';

/** A Shared Subscription's Topic Filter starts with this [MQTT-4.8.2-1]. */
export const SHARE_PREFIX = '$share/';

/** `$share/{shareName}/{filter}` taken apart. */
export interface SharedFilter {
  readonly shareName: string;
  /** The topic filter that messages are matched against. */
  readonly filter: string;
}

/** Check the ShareName part of a filter known to start with `$share/`. */
export function checkShareName(str: string): TopicErrorCode | undefined {
  const start = SHARE_PREFIX.length;
  const slash = str.indexOf('/', start);
  if (slash === start || str.length === start) return 'SHARE_NAME_EMPTY';
  if (slash < 0 || slash + 1 === str.length) return 'SHARE_NAME_INVALID';
  for (let i = start; i < slash; i++) {
    const c = str.charCodeAt(i);
    if (c === 0x2b || c === 0x23) return 'SHARE_NAME_INVALID';
  }
  return undefined;
}

/**
 * Split a shared subscription filter into ShareName and topic filter. Returns null for a filter that is
 * not shared (does not start with `$share/`); throws TopicValidationError for a malformed one
 * [MQTT-4.8.2-1], [MQTT-4.8.2-2]. The inner filter is not validated here: use validateTopicFilter.
 */
export function parseSharedFilter(filter: string): SharedFilter | null {
  if (!filter.startsWith(SHARE_PREFIX)) return null;
  const code = checkShareName(filter);
  if (code !== undefined) throw new TopicValidationError(code, 'filter', JSON.stringify(filter.slice(0, 64)));
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  return { shareName: filter.slice(SHARE_PREFIX.length, slash), filter: filter.slice(slash + 1) };
}
