/**
 * Worker tuning: how many processes, how long idle connections live, how much each worker takes on at
 * once, how deep the accept queue is, and how long a shutdown may take. Presets bundle settings that
 * suit a deployment shape; explicit flags always win over a preset (issue #8).
 */
import { availableParallelism } from 'node:os';

/** Effective tuning of a server (what `/health` shows and the start line logs). */
export interface Tuning {
  /** Worker processes; 1 means no cluster (the server runs in the primary process). */
  workers: number;
  /** How long an idle keep-alive connection is kept open, in ms. */
  keepAliveTimeoutMs: number;
  /** Requests one worker handles at once; past it, 503 with Retry-After. 0 = unlimited. */
  concurrencyLimit: number;
  /** Listen backlog (kernel accept queue length, capped by net.core.somaxconn). */
  backlog: number;
  /** How long a shutdown waits for in-flight requests before cutting connections, in ms. */
  gracefulShutdownTimeoutMs: number;
  /** The preset the settings started from, if any. */
  preset: PresetName | null;
}

/** Names of the built-in presets. */
export type PresetName = 'high-traffic' | 'memory-constrained' | 'long-running';

/**
 * Defaults when neither a preset nor a flag says otherwise, for an app in one process (`buildApp`, tests).
 * `serve` replaces `workers` with {@link defaultWorkers}.
 */
export const DEFAULT_TUNING: Readonly<Tuning> = {
  workers: 1,
  keepAliveTimeoutMs: 5_000,
  concurrencyLimit: 0,
  backlog: 2048,
  gracefulShutdownTimeoutMs: 30_000,
  preset: null,
};

/** The presets of issue #8; each only sets what it is about. */
export const PRESETS: Readonly<Record<PresetName, Partial<Tuning>>> = {
  'high-traffic': { workers: 17, concurrencyLimit: 1000, backlog: 8192 },
  'memory-constrained': { workers: 3, concurrencyLimit: 100, backlog: 512 },
  'long-running': { workers: 5, concurrencyLimit: 50, gracefulShutdownTimeoutMs: 120_000 },
};

/**
 * `serve`'s default: one worker per available core. Measured on 2 shared cores, 1–2 workers served as much as
 * any count and more only added memory, while the I/O rule below overcommits a CPU-bound server.
 */
export function defaultWorkers(cores = availableParallelism()): number {
  return cores;
}

/** The worker rule of thumb: (2 × cores) + 1, cores as `os.availableParallelism()` (honours taskset). */
export function autoWorkers(cores = availableParallelism()): number {
  return 2 * cores + 1;
}

/** Tuning flags as given (undefined = not given). */
export interface TuningFlags {
  preset?: PresetName;
  workers?: number | 'auto';
  keepAliveTimeoutMs?: number;
  concurrencyLimit?: number;
  backlog?: number;
  gracefulShutdownTimeoutMs?: number;
}

/** Defaults (one worker per core), then the preset, then explicit flags. */
export function resolveTuning(flags: TuningFlags, cores?: number): Tuning {
  const base: Tuning = { ...DEFAULT_TUNING, workers: defaultWorkers(cores), ...(flags.preset ? PRESETS[flags.preset] : {}), preset: flags.preset ?? null };
  const explicit: Partial<Tuning> = {};
  if (flags.workers !== undefined) explicit.workers = flags.workers === 'auto' ? autoWorkers(cores) : flags.workers;
  if (flags.keepAliveTimeoutMs !== undefined) explicit.keepAliveTimeoutMs = flags.keepAliveTimeoutMs;
  if (flags.concurrencyLimit !== undefined) explicit.concurrencyLimit = flags.concurrencyLimit;
  if (flags.backlog !== undefined) explicit.backlog = flags.backlog;
  if (flags.gracefulShutdownTimeoutMs !== undefined) explicit.gracefulShutdownTimeoutMs = flags.gracefulShutdownTimeoutMs;
  return { ...base, ...explicit };
}

/** The settings as `/health` and the start line show them (snake_case, units in names). */
export function tuningView(t: Tuning) {
  return {
    preset: t.preset,
    workers: t.workers,
    keep_alive_timeout_s: t.keepAliveTimeoutMs / 1000,
    concurrency_limit: t.concurrencyLimit,
    backlog: t.backlog,
    graceful_shutdown_timeout_s: t.gracefulShutdownTimeoutMs / 1000,
  };
}
