/**
 * Runs one suite test: start its monitor, run the workload in its context, stop the monitor, judge leak and
 * saturation, gather metrics, evaluate the criteria into a status, and build its results JSON (the report
 * contract, with `monitor`).
 */
import os from 'node:os';
import type { JsonReport, ReportMonitor } from '../report/report-types.ts';
import { buildJsonReport } from '../report/json-report.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { detectLeak, type LeakVerdict } from '../monitor/leak-detector.ts';
import { Monitor, type MonitorOptions } from '../monitor/monitor.ts';
import { assessSaturation, type SaturationVerdict } from '../monitor/saturation.ts';
import type { MonitorSample } from '../monitor/types.ts';
import { TestVerdict } from './errors.ts';
import { createTestContext, type CollectingContext, type SuiteEnvironment, type TimedLoad } from './test-context.ts';
import { defaultHeadline, evaluateCriteria, headlineFigures, loadMetrics, monitorMetrics } from './test-metrics.ts';
import type { SuiteTest, TestRecord, TestStatus, WorkloadResult } from './types.ts';

/** A finished test: what the summary and recommendations read, and its results JSON. */
export interface TestRun {
  record: TestRecord;
  report: JsonReport;
}

interface Verdict {
  status?: TestStatus;
  reason?: string;
  primary?: TimedLoad;
}

async function runWorkload(test: SuiteTest, ctx: CollectingContext): Promise<Verdict> {
  try {
    const out: WorkloadResult | void = await test.workload(ctx);
    const primary = out?.primary ? ctx.loads.find((l) => l.result === out.primary) : ctx.loads.at(-1);
    return { status: out?.status, reason: out?.reason, primary };
  } catch (error) {
    if (error instanceof TestVerdict) return { status: error.status, reason: error.reason, primary: ctx.loads.at(-1) };
    const message = error instanceof Error ? error.message : String(error);
    ctx.finding({ kind: 'error', text: `workload threw: ${message}` });
    return { status: 'failed', reason: `workload error: ${message}`, primary: ctx.loads.at(-1) };
  }
}

/** Samples during the load that began at `startS`, re-based so t counts from the load's start. */
function loadWindow(samples: readonly MonitorSample[], load: TimedLoad | undefined): MonitorSample[] {
  if (!load) return [...samples];
  const endS = load.startS + load.result.durationS + 0.25;
  return samples.filter((s) => s.t >= load.startS && s.t <= endS).map((s) => ({ ...s, t: Math.round((s.t - load.startS) * 100) / 100 }));
}

/** The status from the workload's own verdict, the criteria, the leak verdict and generator saturation. */
function decide(test: SuiteTest, v: Verdict, metrics: CollectingContext['metrics'], leak: LeakVerdict | undefined, sat: SaturationVerdict): { status: TestStatus; reason?: string } {
  if (v.status && v.status !== 'passed') return { status: v.status, reason: v.reason };
  const { failed, missing } = evaluateCriteria(test.criteria ?? [], metrics);
  if (leak?.verdict === 'leak') failed.push(`memory leak: ${leak.reason}`);
  // A saturated generator inflates latency, not failures: only latency verdicts become suspect.
  if (failed.length > 0 && sat.saturated && failed.every((f) => /^\S+_ms /.test(f))) return { status: 'inconclusive', reason: `${failed.join('; ')} — but ${sat.reason}` };
  if (failed.length > 0) return { status: 'failed', reason: failed.join('; ') };
  if (missing.length > 0) return { status: 'inconclusive', reason: missing.join('; ') };
  if (leak?.verdict === 'suspect') return { status: 'inconclusive', reason: `memory suspect: ${leak.reason}` };
  if (leak?.verdict === 'inconclusive') return { status: 'inconclusive', reason: `leak verdict inconclusive: ${leak.reason}` };
  return { status: 'passed', reason: v.reason };
}

/** The test's results JSON: its primary load (or an empty one), generator health and the monitor section. */
function testReport(env: SuiteEnvironment, version: string, primary: TimedLoad | undefined, o: { startedAt: number; durationS: number; sat: SaturationVerdict; monitorSection: ReportMonitor }): JsonReport {
  const load = primary?.result;
  return buildJsonReport({
    aggregate: load?.aggregate ?? new Aggregate(),
    version,
    startedAt: load?.startedAtWallMs ?? o.startedAt,
    endedAt: load?.endedAtWallMs ?? env.clock.wallNow(),
    durationS: load?.durationS ?? o.durationS,
    config: load?.config ?? { host: env.targetUrl, users: 0, spawn_rate: null, run_time_s: null, user_classes: [], model: 'closed' },
    generator: { saturated: o.sat.saturated, cpu_max_pct: o.sat.cpu_max_pct, loop_lag_p99_ms: Math.max(o.sat.loop_lag_p99_ms, load?.loopLagP99Ms ?? 0) },
    monitor: o.monitorSection,
  });
}

/** Runs `test` with a fresh monitor configured by `monitorOptions`. */
export async function runSuiteTest(test: SuiteTest, env: SuiteEnvironment, monitorOptions: Omit<MonitorOptions, 'clock'>, version: string): Promise<TestRun> {
  const monitor = new Monitor({ ...monitorOptions, clock: env.clock });
  const ctx = createTestContext(env, monitor);
  const startMs = env.clock.now();
  const startedAt = env.clock.wallNow();
  monitor.start();
  const verdict = await runWorkload(test, ctx);
  await monitor.stop();
  const durationS = (env.clock.now() - startMs) / 1000;
  const samples = monitor.samples();
  const primary = verdict.primary;
  const window = loadWindow(samples, primary);
  const leak = test.leak && verdict.status !== 'skipped' ? detectLeak(window, test.leak === true ? {} : test.leak) : undefined;
  const usableCores = Math.min((primary?.result.threads ?? 0) + 1, os.availableParallelism());
  const sat = assessSaturation(primary ? window : samples, { usableCores });
  const settings = (await test.settings?.()) ?? {};
  const metrics = { ...(primary ? loadMetrics(primary.result) : {}), ...monitorMetrics(samples, sat, leak), ...ctx.metrics };
  if (monitor.scrapeUnavailable) ctx.finding({ kind: 'metrics_scrape', text: `target metrics not scraped: ${monitor.scrapeUnavailable}` });
  if (sat.saturated) ctx.finding({ kind: 'generator_saturated', text: sat.reason, evidence: { cpu_max_pct: sat.cpu_max_pct, loop_lag_p99_ms: sat.loop_lag_p99_ms } });
  const { status, reason } = decide(test, verdict, metrics, leak, sat);
  const headline = headlineFigures(test.headline ?? defaultHeadline(metrics), metrics);
  const summary = { name: test.name, category: test.category, status, passed: status === 'passed', ...(reason ? { reason } : {}), duration_s: Math.round(durationS * 100) / 100, headline, metrics, findings: ctx.findings };
  const report = testReport(env, version, primary, { startedAt, durationS, sat, monitorSection: monitor.toReport(leak, primary?.startS ?? 0) });
  const record: TestRecord = { test, summary, load: primary?.result, leak, samples: window, settings, generatorSaturated: sat.saturated };
  return { record, report };
}
