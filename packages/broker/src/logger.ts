/** The subset of a pino logger the broker uses; pass pino itself or anything with these methods. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  /** pino's level check; lets the broker skip building debug-only objects. Assumed true when absent. */
  isLevelEnabled?(level: string): boolean;
}

const noop = (): void => {};

export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  isLevelEnabled: () => false,
};
