import type { Logger } from './logger.js';

export interface ShutdownOptions {
  /** Longest wait for a graceful close before exiting anyway with 1. Default 5000 ms. */
  graceMs?: number;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/**
 * First SIGINT/SIGTERM: stop gracefully (stop accepting, DISCONNECT every client) and exit 0.
 * A second signal, or a close that hangs past the grace period, exits 1 at once.
 */
export function exitOnSignals(
  stop: () => Promise<void>,
  logger: Logger,
  options: ShutdownOptions = {},
): () => void {
  const graceMs = options.graceMs ?? 5000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? (['SIGINT', 'SIGTERM'] as const);
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: disconnecting clients');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'graceful shutdown timed out');
      exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        clearTimeout(timer);
        logger.info('stopped');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger.error({ err: error }, 'error while shutting down');
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
