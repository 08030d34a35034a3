/**
 * `stampede-load/internals`: the engine's parts, for tools and tests built on them (the runner, statistics,
 * monitor, reports, thresholds and workload engines, the Prometheus exporter). No stability promise: these change
 * with the engine (docs/architecture.md says which folder owns what).
 */
export * from './index.ts';
export * from './suite/index.ts';
export { systemClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { isUserClass, isHttpUserClass, isAbstractUserClass } from './user/user.ts';
export { isTaskSetClass } from './user/task-set.ts';
export { createWaitTimer } from './user/wait-time.ts';
export { createRandom, userSeed } from './user/random.ts';
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
export { StatsSet } from './stats/stats-set.ts';
export { Aggregate } from './stats/aggregate.ts';
export type { StatsDelta, LatencySummary, TimeseriesPoint } from './stats/types.ts';
export { buildJsonReport, writeJsonReport } from './report/json-report.ts';
export { writeCsvReports } from './report/csv.ts';
export { buildJunitXml, writeJunitReport } from './report/junit.ts';
export { LocalRunner } from './runner/local-runner.ts';
export type { RunnerState } from './runner/local-runner.ts';
export { runScenarios } from './runner/scenario-run.ts';
export type { ScenarioRunOptions } from './runner/scenario-run.ts';
export { ClosedPool } from './runner/closed-pool.ts';
export { InProcessUserThread } from './runner/in-process-thread.ts';
export * from './monitor/index.ts';
export type { StagePlan } from './workload/stages.ts';
export { parseStages } from './workload/stages.ts';
export { ArrivalSchedule, constantPlan } from './workload/arrival-schedule.ts';
export type { ArrivalPlan } from './workload/arrival-schedule.ts';
export { stagesShape, toLoadShape } from './workload/load-shape.ts';
export { normalizeScenarios } from './workload/scenarios.ts';
export type { ScenarioPlan } from './workload/scenarios.ts';
export { parseThresholds } from './thresholds/parse-threshold.ts';
export { evaluateThresholds, failingAbortThreshold, failedChecks } from './thresholds/evaluate-thresholds.ts';
export { metricValue, runnerMetricSource } from './thresholds/metric-value.ts';
export type { MetricSource } from './thresholds/metric-value.ts';
export type { ParsedThreshold, ThresholdResult } from './thresholds/threshold-types.ts';
export { renderTestMetrics } from './prometheus/test-metrics.ts';
export { startTestMetricsServer, createMetricsHandler } from './prometheus/metrics-server.ts';
export { pushSummary, renderRunSummary, pushUrl } from './prometheus/pushgateway.ts';
export { PrometheusError } from './prometheus/errors.ts';
