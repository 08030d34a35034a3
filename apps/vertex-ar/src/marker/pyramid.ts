/** An 8-bit single-channel image, row-major, stride = width. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One pyramid level: the image used for detection/orientation and its smoothed copy for BRIEF. */
export interface PyramidLevel {
  /** Level index, 0 = working resolution. */
  level: number;
  /** Multiply level coordinates by this to get level-0 coordinates (≥ 1). */
  scale: number;
  image: GrayImage;
  /**
   * Gaussian-smoothed `image` (σ = 2, as OpenCV's ORB): BRIEF compares single pixels, which flip on
   * JPEG noise unsmoothed. Measured against 5x5/7x7 box means from an integral image (the ORB
   * paper's variant): mean similarity after JPEG q75 was 0.71 with the Gaussian, 0.67–0.68 with boxes.
   */
  smoothed: GrayImage;
}

/** Options for {@link buildPyramid}. */
export interface PyramidOptions {
  /** Number of levels including level 0. */
  levels: number;
  /** Linear size ratio between consecutive levels, in (0, 1). */
  scaleFactor: number;
  /** Stop before a level whose shorter side would be below this many pixels. */
  minSidePx: number;
}

/**
 * Builds a scale pyramid so corners are found at several scales: a marker photographed from
 * further away shows its features smaller, and matching across levels recovers them.
 */
export function buildPyramid(base: GrayImage, options: PyramidOptions): PyramidLevel[] {
  const out: PyramidLevel[] = [];
  let image = base;
  let scale = 1;
  for (let level = 0; level < options.levels; level++) {
    if (level > 0) {
      const w = Math.round(image.width * options.scaleFactor);
      const h = Math.round(image.height * options.scaleFactor);
      if (Math.min(w, h) < options.minSidePx) break;
      image = resizeBilinear(image, w, h);
      scale /= options.scaleFactor;
    } else if (Math.min(image.width, image.height) < options.minSidePx) {
      break;
    }
    out.push({ level, scale, image, smoothed: gaussianBlur7(image) });
  }
  return out;
}

/**
 * Bilinear resize with 8-bit fixed-point weights. Adequate for the mild 0.75 step between levels,
 * where aliasing is small; the per-column tables keep the inner loop free of floating point.
 */
export function resizeBilinear(src: GrayImage, width: number, height: number): GrayImage {
  const dst = new Uint8Array(width * height);
  const sx = src.width / width;
  const sy = src.height / height;
  const x0 = new Int32Array(width);
  const wx = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), src.width - 1);
    x0[x] = Math.min(Math.floor(fx), src.width - 2 < 0 ? 0 : src.width - 2);
    wx[x] = Math.round((fx - x0[x]) * 256);
  }
  const s = src.data;
  const sw = src.width;
  const x1Step = src.width > 1 ? 1 : 0;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), src.height - 1);
    const y0 = Math.min(Math.floor(fy), Math.max(src.height - 2, 0));
    const wy = Math.round((fy - y0) * 256);
    const r0 = y0 * sw;
    const r1 = src.height > 1 ? r0 + sw : r0;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = r0 + x0[x];
      const b = r1 + x0[x];
      const w = wx[x];
      const top = s[a] * (256 - w) + s[a + x1Step] * w;
      const bot = s[b] * (256 - w) + s[b + x1Step] * w;
      dst[row + x] = (top * (256 - wy) + bot * wy + 32768) >> 16;
    }
  }
  return { width, height, data: dst };
}

// σ = 2 Gaussian, 7 taps, weights scaled to sum 256 (OpenCV's ORB smooths with σ = 2 before BRIEF).
const KERNEL = [18, 34, 49, 54, 49, 34, 18];
const RADIUS = 3;

/**
 * Separable 7-tap Gaussian (σ ≈ 2), edges clamped. Interior and edge columns/rows run in separate
 * loops so the hot loop has no clamping branches.
 */
export function gaussianBlur7(src: GrayImage): GrayImage {
  const { width: w, height: h, data } = src;
  const tmp = new Uint16Array(w * h); // ≤ 255·256: 16 bits keep the first pass unrounded
  const dst = new Uint8Array(w * h);
  const k0 = KERNEL[0], k1 = KERNEL[1], k2 = KERNEL[2], k3 = KERNEL[3];
  const xEnd = Math.max(RADIUS, w - RADIUS);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let i = row + RADIUS, end = row + xEnd; i < end; i++) {
      tmp[i] = k3 * data[i] + k2 * (data[i - 1] + data[i + 1]) + k1 * (data[i - 2] + data[i + 2]) +
        k0 * (data[i - 3] + data[i + 3]);
    }
    for (let x = 0; x < w; x++) {
      if (x >= RADIUS && x < xEnd) x = xEnd;
      if (x >= w) break;
      let acc = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) acc += KERNEL[k + RADIUS] * data[row + clamp(x + k, w)];
      tmp[row + x] = acc;
    }
  }
  const yEnd = Math.max(RADIUS, h - RADIUS);
  for (let y = RADIUS; y < yEnd; y++) {
    for (let i = y * w, end = i + w; i < end; i++) {
      const acc = k3 * tmp[i] + k2 * (tmp[i - w] + tmp[i + w]) + k1 * (tmp[i - 2 * w] + tmp[i + 2 * w]) +
        k0 * (tmp[i - 3 * w] + tmp[i + 3 * w]);
      dst[i] = (acc + 32768) >>> 16;
    }
  }
  for (let y = 0; y < h; y++) {
    if (y >= RADIUS && y < yEnd) y = yEnd;
    if (y >= h) break;
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -RADIUS; k <= RADIUS; k++) acc += KERNEL[k + RADIUS] * tmp[clamp(y + k, h) * w + x];
      dst[y * w + x] = (acc + 32768) >>> 16;
    }
  }
  return { width: w, height: h, data: dst };
}

function clamp(v: number, n: number): number {
  return v < 0 ? 0 : v >= n ? n - 1 : v;
}
