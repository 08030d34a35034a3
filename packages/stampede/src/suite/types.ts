/**
 * A performance suite: an ordered list of named tests, each with a category, a workload, pass criteria and the
 * monitor running; the requirements it needs checked before it starts. Output contract: docs/json-report.md
 * (`performance_reports/<YYYYmmdd-HHMMSS>/summary.json`).
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { LeakOptions, LeakVerdict } from '../monitor/leak-detector.ts';
import type { Monitor } from '../monitor/monitor.ts';
import type { HttpLoadOptions } from './http-load.ts';
import type { LoadResult } from './load-result.ts';
import type { UserLoadOptions } from './user-load.ts';

export type TestStatus = 'passed' | 'failed' | 'skipped' | 'inconclusive';

/** Something the suite needs (a tool, a service, a feature of the target). `check` resolves a reason when missing. */
export interface Requirement {
  name: string;
  /** Resolves undefined when present, else what is missing (one line). */
  check(): Promise<string | undefined>;
  /** What to do about it, e.g. "apt-get install -y prometheus". */
  hint?: string;
  /** Missing → only the tests that `need` it are skipped (default: missing aborts the suite). */
  optional?: boolean;
}

/** A pass criterion on one figure of the test's `metrics`: passes when min ≤ value ≤ max. */
export interface PassCriterion {
  metric: string;
  max?: number;
  min?: number;
}

/** Something worth knowing that a workload observed (goes to the test's `findings`). */
export interface Finding {
  kind: string;
  text: string;
  evidence?: Record<string, unknown>;
}

/** Profiles scale the same suite (issue 6): baseline, load, stress, endurance. */
export type SuiteProfile = 'baseline' | 'load' | 'stress' | 'endurance' | (string & {});

/** What a workload is given. */
export interface TestContext {
  /** The target's base URL (no trailing slash). */
  readonly targetUrl: string;
  /** The monitor for this test, attached to the target PID when one is known (already started). */
  readonly monitor: Monitor;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The run's report directory (write extra artefacts here). */
  readonly reportDir: string;
  /** `--quick`: keep each test short; say `inconclusive` rather than guess. */
  readonly quick: boolean;
  readonly profile: SuiteProfile;
  /** Aborted when the suite is interrupted. */
  readonly signal: AbortSignal;
  /** Runs user classes (closed model) with the monitor counting its requests. Host defaults to the target. */
  runUsers(options: Omit<UserLoadOptions, 'host' | 'clock' | 'signal'> & { host?: string }): Promise<LoadResult>;
  /** Runs a plain round-robin HTTP load. Base URL defaults to the target. */
  runHttp(options: Omit<HttpLoadOptions, 'baseUrl' | 'clock' | 'signal'> & { baseUrl?: string }): Promise<LoadResult>;
  /** Records a figure for `metrics` (units in the name: `upload_mb_per_s`, `p95_ms`). */
  metric(name: string, value: number | string | boolean | null): void;
  /** Records a finding. */
  finding(finding: Finding): void;
  /** Ends the test as skipped with the reason (throws). */
  skip(reason: string): never;
  /** Ends the test as inconclusive with the reason (throws). */
  inconclusive(reason: string): never;
}

/** What a workload may return: the load whose report is the test's results JSON, and an explicit verdict. */
export interface WorkloadResult {
  /** The load reported in the test's results JSON (default: the last load the test ran). */
  primary?: LoadResult;
  status?: TestStatus;
  reason?: string;
}

/**
 * A figure a person reads first about a test, e.g. `{ metric: 'image_upload_mb_per_s', label: 'image upload', unit:
 * 'MB/s' }` → "image upload 28.8 MB/s". `scale` multiplies the metric (bytes/s → MiB/min).
 */
export interface HeadlineSpec {
  metric: string;
  label: string;
  unit?: string;
  scale?: number;
}

/** A headline figure as written to summary.json: the spec with its value (null when the test did not measure it). */
export interface HeadlineFigure {
  metric: string;
  label: string;
  unit: string;
  value: number | string | boolean | null;
}

/** One named test of a suite. */
export interface SuiteTest {
  name: string;
  /** e.g. 'load', 'memory', 'database', 'capacity', 'storage', 'basic'. */
  category: string;
  workload(ctx: TestContext): Promise<WorkloadResult | void>;
  /** All must hold for `passed`; a criterion whose metric is missing makes the test inconclusive. */
  criteria?: PassCriterion[];
  /** Names of optional requirements; when one is missing the test is skipped with its reason. */
  needs?: string[];
  /** p95 objective per endpoint name ("GET /ar/:id" or just the name), ms; `*` for every endpoint. */
  p95ObjectivesMs?: Record<string, number>;
  /** Run the leak detector on the target's memory over this test (verdict in metrics and the monitor section). */
  leak?: boolean | LeakOptions;
  /** For the storage comparison: the backend this test exercised, e.g. 'local', 's3'. */
  storage?: string;
  /** Target settings in force (workers, pool sizes), reported and used by the CPU recommendation. */
  settings?: () => Promise<Record<string, number | string>> | Record<string, number | string>;
  /** Its two or three headline figures (default: request rate and p95, and the failure rate when any failed). */
  headline?: HeadlineSpec[];
}

/** A suite. */
export interface SuiteDefinition {
  name: string;
  tests: SuiteTest[];
  requirements?: Requirement[];
  /** Path of the target's health URL (default '/health'); checked before anything runs. */
  healthPath?: string;
  /** Path of the target's Prometheus endpoint (default '/metrics'); false for none. */
  metricsPath?: string | false;
  /** Series to keep from the scrape (default: monitor's DEFAULT_SCRAPE_SERIES). */
  scrapeSeries?: string[];
}

/** One entry of summary.json `tests` (docs/json-report.md). */
export interface TestSummary {
  name: string;
  category: string;
  status: TestStatus;
  passed: boolean;
  reason?: string;
  duration_s: number;
  /** The figures a person reads first (the test's `headline`, or the default), each with its value. */
  headline: HeadlineFigure[];
  metrics: Record<string, number | string | boolean | null>;
  findings: Finding[];
}

/** One entry of summary.json `recommendations`. */
export interface Recommendation {
  text: string;
  /** The figures it rests on, with the test they come from. */
  evidence: Record<string, unknown>;
}

/** summary.json, rewritten after every test. */
export interface SuiteSummary {
  suite: string;
  target: string;
  profile: SuiteProfile;
  quick: boolean;
  /** True until the last test has finished, and for good when the suite was interrupted. */
  partial: boolean;
  /** True when a signal stopped the suite (exit 4): the tests after it are skipped with that reason. */
  interrupted: boolean;
  /** Tests not run yet (empty once the suite has finished). */
  pending: string[];
  started_at: string;
  ended_at: string;
  duration_s: number;
  /** Machine the suite ran on (the CPU recommendation's `cores`). */
  environment: { cores: number; node: string; platform: string };
  /** Results JSON file of each test, by test name (relative to the report directory). */
  results_files: Record<string, string>;
  tests: TestSummary[];
  recommendations: Recommendation[];
}

/** Everything the recommendations engine reads about one finished test. */
export interface TestRecord {
  test: SuiteTest;
  summary: TestSummary;
  /** The primary load, when the test ran one. */
  load?: LoadResult;
  leak?: LeakVerdict;
  /** Monitor samples of the primary load's window (t since it began), or of the whole test without a load. */
  samples: import('../monitor/types.ts').MonitorSample[];
  settings: Record<string, number | string>;
  generatorSaturated: boolean;
}
