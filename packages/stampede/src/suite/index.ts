/** `stampede-load/suite`: what a suite author imports — the framework, its loads, and the scrape helpers a test reads /metrics with. */
export { runSuite, recommend } from './run-suite.ts';
export type { RunSuiteOptions, SuiteRunResult } from './run-suite.ts';
export { preflight, checkHealth, commandRequirement, tcpRequirement, httpRequirement } from './preflight.ts';
export { runHttpLoad } from './http-load.ts';
export type { HttpLoadOptions, HttpLoadRequest } from './http-load.ts';
export { runUserLoad } from './user-load.ts';
export type { UserLoadOptions } from './user-load.ts';
export type { LoadResult, LiveLoad } from './load-result.ts';
export { SuiteError, TestVerdict } from './errors.ts';
export type { SuiteErrorCode } from './errors.ts';
export { summaryTable } from './summary-table.ts';
export { reportStamp, minimalHtml } from './report-files.ts';
export type * from './types.ts';
export { DEFAULT_SCRAPE_SERIES } from '../monitor/metrics-scraper.ts';
export { parsePrometheusText, parseSelector, selectSeries } from '../monitor/prometheus-text.ts';
export type { PromSample, SeriesSelector } from '../monitor/prometheus-text.ts';
export type { Logger, LogLevel } from '../logger.ts';
