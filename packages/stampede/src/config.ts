/**
 * What a user writes to configure a run: a config file (`stampede.config.ts`, loaded by the CLI's --config) and the
 * `options` a script exports (k6 style). Types only, plus `defineConfig` to type a config file.
 */
import type { LogLevel } from './logger.ts';
import type { Thresholds } from './thresholds/threshold-types.ts';
import type { Duration } from './workload/duration.ts';
import type { Scenarios } from './workload/scenarios.ts';
import type { Stage } from './workload/stages.ts';

/** Everything a config file may set; names follow the long flags in camelCase (`--spawn-rate` → spawnRate). */
export interface StampedeConfig {
  /** The user script(s) (`-f`), relative to the config file: a file, a directory, a comma list or a list. */
  file?: string | string[];
  host?: string;
  users?: number;
  spawnRate?: number;
  runTime?: Duration;
  headless?: boolean;
  onlySummary?: boolean;
  json?: string;
  csv?: string;
  html?: string;
  junit?: string;
  tags?: string | string[];
  excludeTags?: string | string[];
  arrivalRate?: number;
  /** `"30s:10,1m:100"` or a list of `{ duration, target }`. */
  stages?: string | Stage[];
  stopTimeout?: Duration;
  /** Seconds of nothing but failures before the run stops with exit 3; 0 never (default 30 s). */
  abortAfterFailures?: Duration;
  threads?: number;
  loglevel?: LogLevel;
  /** Exit code when any request failed (default 1; 0 ignores failures). */
  exitCodeOnError?: number;
  /** Alias: true is exitCodeOnError 1, false is 0. */
  failOnError?: boolean;
  csvFullHistory?: boolean;
  resetStats?: boolean;
  autostart?: boolean;
  /** Seconds after the test ends (web UI with autostart). */
  autoquit?: Duration;
  prometheusPort?: number;
  pushgateway?: string;
  webHost?: string;
  webPort?: number;
  webAuth?: string;
  monitorPid?: number;
  maxNames?: number;
  /** https: accept any certificate (self-signed test environments). */
  insecure?: boolean;
  seed?: number;
  /** USER_CLASS arguments. */
  userClasses?: string[];
  scenarios?: Scenarios;
  thresholds?: Thresholds;
}

/** What a user script may export as `options` (k6 style). */
export interface StampedeOptions {
  scenarios?: Scenarios;
  thresholds?: Thresholds;
}

/** Types a config file (identity at run time). */
export function defineConfig(config: StampedeConfig): StampedeConfig {
  return config;
}

