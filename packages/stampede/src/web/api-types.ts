/**
 * The JSON shapes of the web UI's API and live stream (docs/web-ui.md). Shared by the server and the browser app
 * (type-only imports, so nothing of the server reaches the bundle). Times in ms, rates per second, sizes in bytes.
 */
import type { ReportMetric } from '../report/report-types.ts';
import type { TimeseriesPoint } from '../stats/types.ts';

/** Lifecycle of the test the UI controls. `starting`: threads are loading the script. */
export type TestState = 'ready' | 'starting' | 'spawning' | 'running' | 'stopping' | 'stopped';

/** One user class offered by the start form. */
export interface ClassInfo {
  name: string;
  weight: number;
  fixedCount: number;
}

/** What the start form is pre-filled with (from the command line), so one click starts a test. */
export interface FormDefaults {
  users: number;
  spawnRate: number;
  host: string;
  /** As typed on the command line (`5m`), or '' for "until stopped". */
  runTime: string;
  classes: ClassInfo[];
}

/** Body of POST /api/start. `runTime`: '' or a duration like `30s`, `5m`, `1h30m`. */
export interface StartRequest {
  users: number;
  spawnRate: number;
  host: string;
  runTime: string;
  userClasses: string[];
}

/** Body of POST /api/edit: the new target of the running test. */
export interface EditRequest {
  users: number;
  spawnRate: number;
}

/** GET /api/status. */
export interface StatusResponse {
  state: TestState;
  /** Users running now, and the target of the ramp. */
  users: number;
  targetUsers: number;
  spawnRate: number;
  /** Seconds since the test started (0 before). */
  elapsedS: number;
  /** Run time of the current test in seconds, or null for "until stopped". */
  runTimeS: number | null;
  host: string;
  userClasses: string[];
  /** Number of tests started by this process (0: none yet). */
  testNumber: number;
  defaults: FormDefaults;
  /** Which downloads exist now. */
  downloads: { csv: boolean; json: boolean; html: boolean };
  /** The last start error (script failed to load in a thread, target unreachable), if any. */
  lastError: string | null;
  /** The master's web UI only: how many workers can run users, of those it knows. */
  workers?: WorkerSummary;
}

/** A worker's state as the master sees it (docs/distributed.md): `missing` silent for 3 s, `left` said goodbye. */
export type WorkerState = 'joining' | 'ready' | 'running' | 'stopping' | 'stopped' | 'missing' | 'left' | 'failed';

/** One row of the workers tab. CPU in percent of the worker's cores (0–100), memory in bytes. */
export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  state: WorkerState;
  users: number;
  cpuPct: number;
  cpuMaxPct: number;
  /** CPU went over 90 % during the test: the worker may have limited the load. */
  cpuFlagged: boolean;
  rssBytes: number;
  /** Requests of the current test this worker delivered. */
  requests: number;
  /** Seconds since the test started when it was lost (0: before it started). */
  lostAtS?: number;
}

/** Workers that can run users (ready, running, or stopped after a test) and every worker the master has seen. */
export interface WorkerSummary {
  ready: number;
  total: number;
}

/** GET /api/workers (the master's web UI). */
export interface WorkersResponse extends WorkerSummary {
  workers: WorkerRow[];
}

/** One row of the statistics table (an endpoint, or the totals row named "Aggregated"). */
export interface StatsRow {
  method: string;
  name: string;
  requests: number;
  failures: number;
  medianMs: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  avgSizeBytes: number;
  /** Requests and failures per second over the last second. */
  currentRps: number;
  currentFailuresPerS: number;
}

/** GET /api/stats. */
export interface StatsResponse {
  rows: StatsRow[];
  totals: StatsRow;
  /** Requests recorded as interrupted by the stop. */
  interrupted: number;
  /** The script's custom metrics, one row per series (the JSON report's `metrics` rows); absent when none. */
  metrics?: ReportMetric[];
}

/** One point of the charts: the report's time-series point. */
export type ChartPoint = TimeseriesPoint;

/** One failure row (method, name, kind, message): GET /api/failures. */
export interface FailureRow {
  method: string;
  name: string;
  kind: string;
  error: string;
  count: number;
}

/** One distinct exception: GET /api/exceptions. */
export interface ExceptionRow {
  message: string;
  stack: string;
  count: number;
}

/** One system sample: GET /api/system. CPU in percent of one core. */
export interface SystemSample {
  /** Epoch ms. */
  time: number;
  generatorCpuPct: number;
  generatorRssBytes: number;
  generatorHeapUsedBytes: number;
  /** Main-thread event-loop delay p99 over the last interval, and the worst user thread's p99 since start. */
  loopLagP99Ms: number;
  threadLoopLagP99Ms: number;
  /** The generator limits the load (a user thread's lag p99 over 50 ms, or CPU near every core): latency is suspect. */
  generatorSaturated: boolean;
  /** The `--monitor-pid` process, when given and alive. */
  target: { pid: number; cpuPct: number; rssBytes: number } | null;
}

/** One log line (user code's `this.log`, runner warnings). */
export interface LogLine {
  seq: number;
  /** Epoch ms. */
  time: number;
  level: string;
  source: string;
  message: string;
}

/** The live stream's once-a-second frame (SSE event `tick`). */
export interface TickFrame {
  status: StatusResponse;
  stats: StatsResponse;
  /** Chart points closed since the previous frame (usually one; the client skips those it has by `t`). */
  points: ChartPoint[];
  system: SystemSample;
  /** The master's web UI only: every worker, live. */
  workers?: WorkerRow[];
}

/** SSE event `problems`: sent when the failures or exceptions changed. */
export interface ProblemsFrame {
  failures: FailureRow[];
  exceptions: ExceptionRow[];
}

/**
 * Sent first on every stream connection (SSE event `snapshot`): all a reloaded page needs — the charts' bounded
 * history (`points` holds the whole time series kept by the server), the problems and the log.
 */
export interface SnapshotFrame extends TickFrame, ProblemsFrame {
  logs: LogLine[];
}

/** Error body of every 4xx/5xx answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}
