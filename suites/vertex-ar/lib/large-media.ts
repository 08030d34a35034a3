/**
 * Large upload bodies made without an image library: a noise PNG of about N bytes (incompressible, stored
 * deflate, so its size is what we ask for) and an MP4-looking byte buffer (an ISO BMFF `ftyp` box, then noise),
 * which is all the API sniffs before it stores a video.
 */
import { randomBytes } from 'node:crypto';
import { encodeRgbPng } from './sample-image.ts';

/** An RGB PNG of random noise, square, about `approxBytes` long (stored deflate: no compression). */
export function noisePng(approxBytes: number): Buffer {
  const side = Math.max(16, Math.ceil(Math.sqrt(approxBytes / 3)));
  const raw = randomBytes((1 + side * 3) * side);
  for (let y = 0; y < side; y++) raw[y * (1 + side * 3)] = 0; // filter type None on every row
  return encodeRgbPng(side, raw, 0);
}

/** `size` bytes starting with an MP4 `ftyp` box, then random bytes (the API sniffs, it does not decode video). */
export function fakeMp4(size: number): Buffer {
  const buf = randomBytes(size);
  const ftyp = Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2mp41')]);
  ftyp.copy(buf, 0);
  return buf;
}

/** Megabytes (10^6 bytes) per second, one decimal. */
export function mbPerS(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10 : 0;
}
