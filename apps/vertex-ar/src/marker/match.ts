import { DESCRIPTOR_BYTES } from './brief.ts';

/** Options for {@link matchDescriptors}. */
export interface MatchOptions {
  /** Largest Hamming distance (of 256 bits) accepted as a match. */
  maxDistance: number;
  /** Lowe's ratio: best distance must be below `ratio` × second best. */
  ratio: number;
}

/**
 * Thresholds for steered BRIEF: 64/256 is the usual ORB acceptance distance; unrelated
 * descriptors sit near 128. Ratio 0.8 is Lowe's (2004) value.
 */
export const DEFAULT_MATCH_OPTIONS: Readonly<MatchOptions> = { maxDistance: 64, ratio: 0.8 };

/** Copies descriptor bytes into 32-bit words (8 per descriptor) so distances popcount 4 bytes at a time. */
export function toWords(bytes: Uint8Array): Uint32Array {
  const n = Math.floor(bytes.length / DESCRIPTOR_BYTES) * DESCRIPTOR_BYTES;
  const copy = new Uint8Array(n);
  copy.set(bytes.subarray(0, n));
  return new Uint32Array(copy.buffer);
}

function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

const WORDS = DESCRIPTOR_BYTES / 4;

function hamming(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  let d = 0;
  for (let k = 0; k < WORDS; k++) d += popcount32(a[i * WORDS + k] ^ b[j * WORDS + k]);
  return d;
}

/** For each descriptor of `a`: index of its nearest neighbour in `b` if it passes the ratio test, else -1. */
function bestMatches(a: Uint32Array, b: Uint32Array, options: MatchOptions): Int32Array {
  const na = a.length / WORDS;
  const nb = b.length / WORDS;
  const out = new Int32Array(na).fill(-1);
  for (let i = 0; i < na; i++) {
    let best = 257, second = 257, bestJ = -1;
    for (let j = 0; j < nb; j++) {
      const d = hamming(a, i, b, j);
      if (d < best) {
        second = best;
        best = d;
        bestJ = j;
      } else if (d < second) {
        second = d;
      }
    }
    if (bestJ >= 0 && best <= options.maxDistance && best < options.ratio * second) out[i] = bestJ;
  }
  return out;
}

/**
 * Number of descriptors in `a` whose ratio-tested nearest neighbour in `b` picks them back
 * (mutual). The mutual check removes most of the many-to-one matches repetitive texture causes.
 * Brute force: 500 × 500 × 8 popcounts is ~2 M operations, cheaper than building an index.
 */
export function countMutualMatches(a: Uint32Array, b: Uint32Array, options: MatchOptions = DEFAULT_MATCH_OPTIONS): number {
  const ab = bestMatches(a, b, options);
  const ba = bestMatches(b, a, options);
  let n = 0;
  for (let i = 0; i < ab.length; i++) if (ab[i] >= 0 && ba[ab[i]] === i) n++;
  return n;
}
