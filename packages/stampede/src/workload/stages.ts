/**
 * Stages: `[{ duration, target }]`, a piecewise-linear ramp of users (closed model) or of iterations per second
 * (open model), as in k6's ramping executors. `--stages "30s:10,1m:100,30s:0"` is the same list on one line.
 */
import { parseDurationMs, type Duration } from './duration.ts';
import { WorkloadError } from './errors.ts';

/** One stage as written: ramp linearly to `target` over `duration`. */
export interface Stage {
  duration: Duration;
  /** Users (closed model) or iterations per time unit (open model) at the end of the stage. */
  target: number;
}

/** A validated stage, in milliseconds. */
export interface StagePlan {
  durationMs: number;
  target: number;
}

/** Validates stages (non-empty, durations ≥ 0, targets finite ≥ 0). `what` names the option in errors. */
export function normalizeStages(stages: readonly Stage[], what: string): StagePlan[] {
  if (!Array.isArray(stages) || stages.length === 0) {
    throw new WorkloadError('STAMPEDE_ERR_CONFIG_STAGES', `${what} needs at least one stage`, 'write stages like [{ duration: "30s", target: 10 }]');
  }
  return stages.map((s, i) => {
    const target = Number(s?.target);
    if (!Number.isFinite(target) || target < 0) {
      throw new WorkloadError('STAMPEDE_ERR_CONFIG_STAGES', `${what}[${i}].target must be a number ≥ 0, got '${String(s?.target)}'`);
    }
    return { durationMs: parseDurationMs(s.duration, `${what}[${i}].duration`), target };
  });
}

/**
 * Parses `--stages "30s:10,1m:100,30s:0"`: comma-separated `duration:target` pairs.
 * @returns stages with durations in ms
 */
export function parseStages(text: string, what = '--stages'): StagePlan[] {
  const parts = String(text)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const stages = parts.map((part) => {
    const m = /^([^:]+):\s*(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) {
      throw new WorkloadError('STAMPEDE_ERR_CONFIG_STAGES', `invalid ${what} entry '${part}'`, 'write duration:target pairs, e.g. "30s:10,1m:100,30s:0"');
    }
    return { duration: m[1]!.trim(), target: Number(m[2]) };
  });
  return normalizeStages(stages, what);
}

/** Largest target over the stages and the start value. */
export function stagesPeak(stages: readonly StagePlan[], start = 0): number {
  return stages.reduce((max, s) => Math.max(max, s.target), start);
}
