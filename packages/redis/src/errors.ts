/** Stable codes of the errors this package throws. */
export const RedisBackendErrorCode = {
  /** A stored record or bus frame could not be decoded (wrong format version or truncated). */
  BadRecord: 'BAD_RECORD',
  /** A record could not be encoded (a value out of range). */
  Unencodable: 'UNENCODABLE',
} as const;
export type RedisBackendErrorCode = (typeof RedisBackendErrorCode)[keyof typeof RedisBackendErrorCode];

/** A record or frame read from Redis (or about to be written) is not valid. */
export class RedisBackendError extends Error {
  override readonly name = 'RedisBackendError';
  readonly code: RedisBackendErrorCode;

  constructor(code: RedisBackendErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
