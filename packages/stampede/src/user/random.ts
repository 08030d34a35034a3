/** Seeded random numbers, so a run (task choice, wait times) can be replayed exactly. */

/** A random source in [0, 1), like Math.random. */
export type RandomSource = () => number;

/**
 * A fast seeded generator (mulberry32: 32-bit state, period 2^32). Same seed → same sequence.
 * Not for cryptography.
 */
export function createRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for user `index` derived from a run seed: distinct, stable streams per user. */
export function userSeed(runSeed: number, index: number): number {
  return (Math.imul(runSeed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
}
