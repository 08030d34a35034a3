/**
 * Stampede: load and performance testing for web APIs. What a user script and a config file import: the user
 * model, the HTTP client, checks and measures, the config and script options, and reading reports.
 * Suite authors import `stampede-load/suite`; the engine's own parts are under `stampede-load/internals` (no
 * stability promise: docs/architecture.md).
 */
// User model
export { User, HttpUser, resolveHost } from './user/user.ts';
export type { UserClass, UserEnvironment, UserLog, MeasureOptions } from './user/user.ts';
export { TaskSet, SequentialTaskSet } from './user/task-set.ts';
export type { TaskSetClass } from './user/task-set.ts';
export { task, tag } from './user/task.ts';
export type { TaskFunction, TaskItem, TaskSpec } from './user/task.ts';
export { between, constant, constantPacing, constantThroughput } from './user/wait-time.ts';
export type { WaitTime, WaitTimeFunction, WaitTimeFactory, WaitContext, PacingCounters } from './user/wait-time.ts';
export { StampedeUserError, StopUser, InterruptTaskSet } from './user/errors.ts';
export { Counter, Gauge, Rate, Trend } from './user/metrics.ts';
export type { SetupContext } from './user/lifecycle.ts';
export type { UserErrorCode } from './user/errors.ts';
export type { RandomSource } from './user/random.ts';
// HTTP client
export type * from './http/types.ts';
export { createHttpSession } from './http/session.ts';
export { createDispatcher } from './http/dispatcher.ts';
export { measure } from './http/measure.ts';
export type { Recorder, RecordedError, ErrorKind } from './stats/recorder.ts';
export type { CustomMetricKind, MetricTags } from './stats/types.ts';
export type { Logger, LogLevel, LogRecord } from './logger.ts';
// Config file and script options: scenarios, stages, shapes, thresholds
export { defineConfig } from './config.ts';
export type { StampedeConfig, StampedeOptions } from './config.ts';
export type { Duration } from './workload/duration.ts';
export type { Stage } from './workload/stages.ts';
export type { LoadShape, LoadShapeFunction, LoadShapeLike, ShapeTick } from './workload/load-shape.ts';
export type {
  Scenarios,
  ScenarioOptions,
  ConstantArrivalRateScenario,
  RampingArrivalRateScenario,
  ConstantUsersScenario,
  RampingUsersScenario,
  ShapeScenario,
  WhenBusy,
} from './workload/scenarios.ts';
export type { Thresholds, ThresholdExpression, ThresholdObject, MetricName, MetricSelector } from './thresholds/threshold-types.ts';
export { StampedeError } from './errors.ts';
export { WorkloadError } from './workload/errors.ts';
export { ThresholdError } from './thresholds/errors.ts';
// Reports: read and check what a run wrote
export { readJsonReport, parseJsonReport } from './report/json-report.ts';
export { validateReport, reportSchema } from './report/schema.ts';
export type { JsonReport } from './report/report-types.ts';
