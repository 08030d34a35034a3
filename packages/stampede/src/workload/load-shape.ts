/**
 * Custom load shapes (Locust's LoadTestShape): a function of run time that says how many users should run, how fast
 * to get there, and optionally which user classes, or `null` to end the scenario. The runner evaluates it every
 * second on its own timer (never waiting for spawning to finish), and also at the change points a shape announces,
 * so a stage shorter than a second is still applied.
 */
import { WorkloadError } from './errors.ts';
import type { StagePlan } from './stages.ts';

/** What a shape asks for at one moment. */
export interface ShapeTick {
  /** Users that should run. */
  users: number;
  /** Users started (or stopped) per second to get there (Infinity: at once). */
  spawnRate: number;
  /** Spawn only these user classes (by name) from now on; default: the scenario's classes. */
  userClasses?: string[];
}

/** A shape as a plain function: `runTimeS` is seconds since the scenario started. `null` ends the scenario. */
export type LoadShapeFunction = (runTimeS: number) => ShapeTick | null;

/** A shape that also announces when its answer next changes (then that moment is evaluated too). */
export interface LoadShape {
  tick: LoadShapeFunction;
  /** The next run time (s, > runTimeS) at which tick() may answer differently; undefined: none known. */
  nextChangeS?(runTimeS: number): number | undefined;
}

/** A function or a LoadShape, as scripts may give it. */
export type LoadShapeLike = LoadShapeFunction | LoadShape;

/** Wraps a plain function as a LoadShape. */
export function toLoadShape(shape: LoadShapeLike, what = 'shape'): LoadShape {
  if (typeof shape === 'function') return { tick: shape };
  if (shape && typeof shape.tick === 'function') return shape;
  throw new WorkloadError('STAMPEDE_ERR_CONFIG_SHAPE', `${what} must be a function of run time or an object with tick()`);
}

/** Checks one tick's answer; throws STAMPEDE_ERR_CONFIG_SHAPE on nonsense. */
export function checkShapeTick(tick: ShapeTick | null, what = 'shape'): ShapeTick | null {
  if (tick === null || tick === undefined) return null;
  const { users, spawnRate } = tick;
  if (!Number.isFinite(users) || users < 0 || typeof spawnRate !== 'number' || Number.isNaN(spawnRate) || spawnRate < 0) {
    throw new WorkloadError(
      'STAMPEDE_ERR_CONFIG_SHAPE',
      `${what} returned users=${String(users)} spawnRate=${String(spawnRate)}`,
      'return { users: n ≥ 0, spawnRate: r ≥ 0 } or null to stop',
    );
  }
  return tick;
}

/**
 * The closed-model stages as a shape: during stage i the target is its `target`, reached at its end (spawn rate
 * |target − previous target| / duration); `null` after the last stage. Every stage boundary is announced, so
 * short stages are applied exactly at their start.
 */
export function stagesShape(stages: readonly StagePlan[], startUsers = 0): LoadShape {
  const bounds: number[] = [];
  let endMs = 0;
  for (const s of stages) bounds.push((endMs += s.durationMs));
  return {
    tick(runTimeS) {
      const tMs = runTimeS * 1000;
      let from = startUsers;
      for (let i = 0; i < stages.length; i++) {
        const s = stages[i]!;
        if (tMs < bounds[i]!) {
          // A flat or zero-length stage jumps at once (Infinity: no ramp).
          const delta = Math.abs(s.target - from);
          const spawnRate = s.durationMs > 0 && delta > 0 ? delta / (s.durationMs / 1000) : Infinity;
          return { users: s.target, spawnRate };
        }
        from = s.target;
      }
      return null;
    },
    nextChangeS(runTimeS) {
      const next = bounds.find((b) => b > runTimeS * 1000 + 1e-6);
      return next === undefined ? undefined : next / 1000;
    },
  };
}
