/** The suite framework's public surface (re-exported from the package entry). */
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
