/** Guards applied before any topic work, so a hostile topic or filter cannot cost more than these bounds. */
export interface TopicLimits {
  /** Maximum number of levels (separators + 1). Default 128. */
  maxLevels?: number;
  /** Maximum length in UTF-8 bytes; never above the spec's 65535. Default 65535. */
  maxLength?: number;
}

/** The spec's own cap on a UTF-8 Encoded String [MQTT-4.7.3-3]. */
export const MAX_TOPIC_BYTES = 65_535;

export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxLevels: 128,
  maxLength: MAX_TOPIC_BYTES,
});

export interface ResolvedLimits {
  readonly maxLevels: number;
  readonly maxLength: number;
}

/** Fill defaults and check the numbers once, so hot paths can trust them. */
export function resolveLimits(limits: TopicLimits | undefined): ResolvedLimits {
  if (limits === undefined) return DEFAULT_LIMITS;
  const maxLevels = limits.maxLevels ?? DEFAULT_LIMITS.maxLevels;
  const maxLength = limits.maxLength ?? DEFAULT_LIMITS.maxLength;
  if (!Number.isInteger(maxLevels) || maxLevels < 1) {
    throw new RangeError(`maxLevels must be a positive integer, got ${maxLevels}`);
  }
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }
  return { maxLevels, maxLength: Math.min(maxLength, MAX_TOPIC_BYTES) };
}
