import {
  type SharedFilter,
  parseSharedFilter as trieParseShared,
  isValidTopicFilter as trieValidFilter,
  isValidTopicName as trieValidName,
} from '@mq/topic-trie';

/** Topic name and filter rules the broker enforces on what clients send, with its level limit. */

/** A PUBLISH topic: non-empty, no wildcards [MQTT-3.3.2-2], well-formed, within the level limit. */
export function isValidTopicName(topic: string, maxLevels: number): boolean {
  return trieValidName(topic, { maxLevels });
}

/** A subscription filter: '#' last and alone in its level, '+' alone in its level [MQTT-4.7.1-2] [MQTT-4.7.1-3]. */
export function isValidTopicFilter(filter: string, maxLevels: number): boolean {
  return trieValidFilter(filter, { maxLevels });
}

/** `$share/{name}/{filter}` split up; undefined for an ordinary filter, null for a malformed shared one. */
export function parseSharedFilter(filter: string): SharedFilter | undefined | null {
  if (!filter.startsWith('$share/')) return undefined;
  try {
    return trieParseShared(filter);
  } catch {
    return null;
  }
}

/** `$SYS/...` is the broker's own: a client's PUBLISH or will there is accepted and never routed. */
export function isClientWritable(topic: string): boolean {
  return !topic.startsWith('$SYS');
}
