/** Log levels, most verbose first. `--loglevel` picks the lowest level printed. */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One log line from the engine or from user code (`this.log`). */
export interface LogRecord {
  level: LogLevel;
  /** Epoch milliseconds. */
  time: number;
  /** Where it came from: 'stampede', or the user class name for user code. */
  source: string;
  message: string;
}

/** The engine receives a Logger; only cli/ decides where lines go (console, UI log view). */
export interface Logger {
  log(level: LogLevel, message: string, source?: string): void;
}

export function levelEnabled(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { log() {} };
