import type { GrayImage } from './pyramid.ts';

/** Descriptor length in bytes (256 binary tests). */
export const DESCRIPTOR_BYTES = 32;

const TESTS = DESCRIPTOR_BYTES * 8;
// Sample points lie within this radius so that after any rotation they stay inside PATCH_RADIUS (15).
const SAMPLE_RADIUS = 13;
// Calonder et al. 2010 (BRIEF, G II): isotropic Gaussian with σ² = S²/25 for an S = 31 patch.
const SAMPLE_SIGMA = 31 / 5;
// Fixed seed: the pattern is part of the marker format; changing it invalidates stored markers.
const PATTERN_SEED = 0x5eed_b41e;

/** mulberry32: tiny, fast, good enough to draw a sampling pattern (and the tests' fixture images), identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildPattern(): Float64Array {
  const rand = mulberry32(PATTERN_SEED);
  const gaussianPoint = (): [number, number] => {
    for (;;) {
      // Box–Muller; reject points outside the disc rather than clamping, which would pile them on the rim.
      const r = Math.sqrt(-2 * Math.log(1 - rand())) * SAMPLE_SIGMA;
      const th = 2 * Math.PI * rand();
      const x = Math.round(r * Math.cos(th));
      const y = Math.round(r * Math.sin(th));
      if (x * x + y * y <= SAMPLE_RADIUS * SAMPLE_RADIUS) return [x, y];
    }
  };
  const pattern = new Float64Array(TESTS * 4);
  for (let k = 0; k < TESTS; k++) {
    let p: [number, number], q: [number, number];
    // A test between (nearly) the same pixel carries no information and flips on noise.
    do {
      p = gaussianPoint();
      q = gaussianPoint();
    } while ((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 < 4);
    pattern.set([p[0], p[1], q[0], q[1]], k * 4);
  }
  return pattern;
}

/** The fixed sampling pattern: TESTS × (x1, y1, x2, y2), offsets from the keypoint in pixels. */
const PATTERN = buildPattern();

/**
 * Steered BRIEF (rBRIEF without the learned pattern): 256 intensity comparisons on the smoothed
 * image, with the sampling pattern rotated by the keypoint angle. Writes 32 bytes at
 * `out[offset..offset+32)`; bit k is set when I(p_k) < I(q_k).
 *
 * @param smoothed Gaussian-smoothed level image; (x, y) must be ≥ 15 px from every edge
 * @param angle keypoint orientation in radians
 */
export function describeKeypoint(
  smoothed: GrayImage,
  x: number,
  y: number,
  angle: number,
  out: Uint8Array,
  offset: number,
): void {
  const { width: w, data } = smoothed;
  const c = y * w + x;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let byte = 0; byte < DESCRIPTOR_BYTES; byte++) {
    let bits = 0;
    for (let bit = 0; bit < 8; bit++) {
      const j = (byte * 8 + bit) * 4;
      const px = PATTERN[j], py = PATTERN[j + 1], qx = PATTERN[j + 2], qy = PATTERN[j + 3];
      // Rotate the offsets by the keypoint angle (x' = x cos − y sin, y' = x sin + y cos).
      const a = data[c + Math.round(sin * px + cos * py) * w + Math.round(cos * px - sin * py)];
      const b = data[c + Math.round(sin * qx + cos * qy) * w + Math.round(cos * qx - sin * qy)];
      if (a < b) bits |= 1 << bit;
    }
    out[offset + byte] = bits;
  }
}
