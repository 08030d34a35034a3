/** Stampede: load and performance testing for web APIs. The one public entry of the package. */
export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
export type { Logger, LogLevel, LogRecord } from './logger.ts';
export type { Recorder, RecordedError, ErrorKind } from './stats/recorder.ts';
export type * from './http/types.ts';
// User model (src/user)
export { User, HttpUser, isUserClass, isHttpUserClass, isAbstractUserClass, resolveHost } from './user/user.ts';
export type { UserClass, UserEnvironment, UserLog, MeasureOptions } from './user/user.ts';
export { TaskSet, SequentialTaskSet, isTaskSetClass } from './user/task-set.ts';
export type { TaskSetClass } from './user/task-set.ts';
export { task, tag } from './user/task.ts';
export type { TaskFunction, TaskItem, TaskSpec } from './user/task.ts';
export { between, constant, constantPacing, constantThroughput, createWaitTimer } from './user/wait-time.ts';
export type { WaitTime, WaitTimeFunction, WaitTimeFactory, WaitContext, PacingCounters } from './user/wait-time.ts';
export { StampedeUserError, StopUser, InterruptTaskSet } from './user/errors.ts';
export { Counter, Gauge, Rate, Trend } from './user/metrics.ts';
export type { SetupContext } from './user/lifecycle.ts';
export type { UserErrorCode } from './user/errors.ts';
export { createRandom, userSeed } from './user/random.ts';
export type { RandomSource } from './user/random.ts';
export { compileTaskPlan, createTagFilter } from './user/task-plan.ts';
export type { TagFilter, TaskPlan, PlanEntry } from './user/task-plan.ts';
export { runUser, createUserInstance, startUser, runOneTask, stopUser, UserInstance } from './user/user-runner.ts';
export type { RunUserContext, IterationInfo, TaskOutcome, StepResult } from './user/user-runner.ts';
export { discoverUserClasses, findUserClasses, findUserClass } from './user/discover.ts';
export type { DiscoverOptions } from './user/discover.ts';
export { distributeUsers, largestRemainder, interleave } from './user/distribute.ts';
export type { UserDistribution, Distributable } from './user/distribute.ts';
export { loadScript, importBundle } from './user/load-script.ts';
export type { LoadScriptOptions, LoadScriptResult } from './user/load-script.ts';
// Statistics and reports (src/stats, src/report)
export { StatsSet } from './stats/stats-set.ts';
export { Aggregate } from './stats/aggregate.ts';
export type { StatsDelta, LatencySummary, TimeseriesPoint, CustomMetricKind, MetricTags } from './stats/types.ts';
export { buildJsonReport, writeJsonReport, readJsonReport, parseJsonReport } from './report/json-report.ts';
export { validateReport, reportSchema } from './report/schema.ts';
export { writeCsvReports } from './report/csv.ts';
export type { JsonReport } from './report/report-types.ts';
// HTTP client (src/http)
export { createHttpSession } from './http/session.ts';
export { createDispatcher } from './http/dispatcher.ts';
export { measure } from './http/measure.ts';
// Runner (src/runner)
export { LocalRunner } from './runner/local-runner.ts';
export type { RunnerState } from './runner/local-runner.ts';
// Monitor (src/monitor): system and process sampler, target /metrics scrape, leak detection, saturation
export * from './monitor/index.ts';
// Performance suites (src/suite)
export * from './suite/index.ts';
// Workload models, thresholds and the config file (issue 4)
export type { Duration } from './workload/duration.ts';
export type { Stage, StagePlan } from './workload/stages.ts';
export { parseStages } from './workload/stages.ts';
export { ArrivalSchedule, constantPlan } from './workload/arrival-schedule.ts';
export type { ArrivalPlan } from './workload/arrival-schedule.ts';
export { stagesShape, toLoadShape } from './workload/load-shape.ts';
export type { LoadShape, LoadShapeFunction, LoadShapeLike, ShapeTick } from './workload/load-shape.ts';
export { normalizeScenarios } from './workload/scenarios.ts';
export type {
  Scenarios,
  ScenarioOptions,
  ConstantArrivalRateScenario,
  RampingArrivalRateScenario,
  ConstantUsersScenario,
  RampingUsersScenario,
  ShapeScenario,
  ScenarioPlan,
  WhenBusy,
} from './workload/scenarios.ts';
export { WorkloadError } from './workload/errors.ts';
export { runScenarios } from './runner/scenario-run.ts';
export type { ScenarioRunOptions } from './runner/scenario-run.ts';
export { ClosedPool } from './runner/closed-pool.ts';
export { InProcessUserThread } from './runner/in-process-thread.ts';
export { parseThresholds } from './thresholds/parse-threshold.ts';
export { evaluateThresholds, failingAbortThreshold, failedChecks } from './thresholds/evaluate-thresholds.ts';
export { metricValue, runnerMetricSource } from './thresholds/metric-value.ts';
export type { MetricSource } from './thresholds/metric-value.ts';
export type {
  Thresholds,
  ThresholdExpression,
  ThresholdObject,
  MetricName,
  MetricSelector,
  ParsedThreshold,
  ThresholdResult,
} from './thresholds/threshold-types.ts';
export { ThresholdError } from './thresholds/errors.ts';
export { buildJunitXml, writeJunitReport } from './report/junit.ts';
export { defineConfig } from './cli/config-file.ts';
export type { StampedeConfig, StampedeOptions } from './cli/config-file.ts';
// Prometheus (src/prometheus)
export { renderTestMetrics } from './prometheus/test-metrics.ts';
export { startTestMetricsServer, createMetricsHandler } from './prometheus/metrics-server.ts';
export { pushSummary, renderRunSummary, pushUrl } from './prometheus/pushgateway.ts';
export { PrometheusError } from './prometheus/errors.ts';
