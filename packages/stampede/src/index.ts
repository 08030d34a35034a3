/** Stampede: load and performance testing for web APIs. The one public entry of the package. */
export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
export type { Logger, LogLevel, LogRecord } from './logger.ts';
export type { Recorder, RecordedError, ErrorKind } from './stats/recorder.ts';
export type * from './http/types.ts';
