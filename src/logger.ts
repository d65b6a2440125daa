import { pino } from 'pino';
import pretty from 'pino-pretty';

type LogFn = (obj: object | string, msg?: string) => void;

/** The part of pino's logger the master uses; any pino instance (or a compatible logger) fits. */
export interface Logger {
  readonly level: string;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * JSON lines on stdout; pino-pretty only when asked, as a synchronous stream in this thread (a worker-thread
 * transport can lose the last lines when the CLI exits right after logging them).
 */
export function createLogger(level: LogLevel = 'info', isPretty = false): Logger {
  const options = { name: 'handoff', level };
  return isPretty ? pino(options, pretty({ colorize: true, sync: true })) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });
