/** Exit codes of mq-broker: 1 for a bad config file or a failed start, 2 for bad flags or environment. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A problem the user must fix before the broker can start; the message is printed as is. */
export class StartupError extends Error {
  readonly code: 'ERR_CONFIG' | 'ERR_USAGE';
  readonly exitCode: number;

  constructor(code: 'ERR_CONFIG' | 'ERR_USAGE', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
    this.code = code;
    this.exitCode = code === 'ERR_USAGE' ? EXIT.usage : EXIT.failure;
  }
}
