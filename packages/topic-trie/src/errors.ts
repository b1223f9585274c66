/** MQTT 5 reason codes a broker sends when a topic is refused. */
export const TopicReasonCode = {
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
} as const;

/**
 * Every way a topic name or filter can be refused, with the statement it breaks.
 * `rule` is the MQTT 5.0 statement id, `rule311` the MQTT 3.1.1 one (the numbering differs).
 * Limits that are local policy, not spec, name the option instead.
 */
export const TopicErrorCodes = {
  EMPTY: { rule: 'MQTT-4.7.3-1', rule311: 'MQTT-4.7.3-1', text: 'must be at least one character long' },
  NULL_CHARACTER: { rule: 'MQTT-4.7.3-2', rule311: 'MQTT-4.7.3-2', text: 'must not contain U+0000' },
  TOO_LONG: {
    rule: 'MQTT-4.7.3-3',
    rule311: 'MQTT-4.7.3-3',
    text: 'must not encode to more than 65535 bytes',
  },
  MALFORMED_UTF8: {
    rule: 'MQTT-1.5.4-1',
    rule311: 'MQTT-1.5.3-1',
    text: 'must be well-formed UTF-8 (no lone surrogates)',
  },
  WILDCARD_IN_TOPIC_NAME: {
    rule: 'MQTT-4.7.0-1',
    rule311: 'MQTT-4.7.1-1',
    text: 'a topic name must not contain the wildcards + or #',
  },
  MULTI_LEVEL_WILDCARD_POSITION: {
    rule: 'MQTT-4.7.1-1',
    rule311: 'MQTT-4.7.1-2',
    text: '# must occupy a whole level and be the last level',
  },
  SINGLE_LEVEL_WILDCARD_POSITION: {
    rule: 'MQTT-4.7.1-2',
    rule311: 'MQTT-4.7.1-3',
    text: '+ must occupy a whole level',
  },
  SHARE_NAME_EMPTY: {
    rule: 'MQTT-4.8.2-1',
    rule311: undefined,
    text: 'a shared subscription needs a ShareName at least one character long after $share/',
  },
  SHARE_NAME_INVALID: {
    rule: 'MQTT-4.8.2-2',
    rule311: undefined,
    text: 'a ShareName must not contain + or # and must be followed by / and a topic filter',
  },
  LEVEL_LIMIT: {
    rule: 'limits.maxLevels',
    rule311: undefined,
    text: 'has more levels than maxLevels allows',
  },
  LENGTH_LIMIT: { rule: 'limits.maxLength', rule311: undefined, text: 'is longer than maxLength allows' },
} as const;

export type TopicErrorCode = keyof typeof TopicErrorCodes;
export type TopicKind = 'name' | 'filter';

/** A refused topic name or filter. `reasonCode` is what a broker puts in PUBACK/SUBACK/DISCONNECT. */
export class TopicValidationError extends Error {
  override readonly name = 'TopicValidationError';
  readonly code: TopicErrorCode;
  /** MQTT 5.0 statement id (or the limit option) that the input breaks. */
  readonly rule: string;
  /** MQTT 3.1.1 statement id, when the rule exists there. */
  readonly rule311: string | undefined;
  /** 0x90 Topic Name Invalid or 0x8F Topic Filter Invalid. */
  readonly reasonCode: number;
  readonly kind: TopicKind;

  constructor(code: TopicErrorCode, kind: TopicKind, detail?: string) {
    const entry = TopicErrorCodes[code];
    const what = kind === 'name' ? 'Topic name' : 'Topic filter';
    super(`${what} ${entry.text}${detail ? ` (${detail})` : ''} [${entry.rule}]`);
    this.code = code;
    this.rule = entry.rule;
    this.rule311 = entry.rule311;
    this.kind = kind;
    this.reasonCode = kind === 'name' ? TopicReasonCode.TopicNameInvalid : TopicReasonCode.TopicFilterInvalid;
  }
}
