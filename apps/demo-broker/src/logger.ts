import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config-schema.js';

export type { Logger };

/** 'auto' means pretty for a person at a terminal and JSON lines for everything else (pipes, files, tests). */
export function usePretty(format: LogFormat, isTTY: boolean | undefined): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY === true);
}

export function createLogger(options: {
  level: LogLevel;
  pretty: boolean;
  /** Defaults to stdout; tests pass a collecting stream. */
  destination?: DestinationStream;
}): Logger {
  const base = { level: options.level, base: { name: 'mq-broker' } };
  if (!options.pretty) return pino(base, options.destination ?? pino.destination({ sync: true }));
  // pino-pretty as an in-process stream (no worker thread), so lines are written before process.exit().
  const stream = pretty({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name',
    // Messages carry the essentials; the structured fields are for the JSON form.
    hideObject: true,
    destination: options.destination ?? 1,
  });
  return pino(base, stream);
}
