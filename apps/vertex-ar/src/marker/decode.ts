import sharp from 'sharp';
import { MarkerError } from './errors.ts';
import type { GrayImage } from './pyramid.ts';

/** Image formats accepted for portraits. */
export type PortraitFormat = 'jpeg' | 'png' | 'webp';

/** Options for {@link decodePortrait}. */
export interface DecodeOptions {
  /** Refuse images whose header declares more pixels than this (decompression-bomb guard). */
  maxInputPixels: number;
  /** Longest side, in pixels, of the working image features are computed on. */
  workingSidePx: number;
  /** Longest side, in pixels, of the JPEG thumbnail. */
  thumbnailSidePx: number;
}

/** Result of {@link decodePortrait}. */
export interface DecodeResult {
  format: PortraitFormat;
  /** Width of the upright (EXIF-oriented) original, in pixels. */
  width: number;
  /** Height of the upright (EXIF-oriented) original, in pixels. */
  height: number;
  /** Downscaled 8-bit luma of the upright image, longest side ≤ `workingSidePx`. */
  gray: GrayImage;
  /** JPEG, longest side exactly `thumbnailSidePx`. */
  thumbnail: Buffer;
}

const SUPPORTED: ReadonlySet<string> = new Set<PortraitFormat>(['jpeg', 'png', 'webp']);

function decodeError(message: string, cause?: unknown): MarkerError {
  return new MarkerError('VERTEX_ERR_IMAGE_DECODE', message, {
    hint: 'upload a complete JPEG, PNG or WebP image',
    cause,
  });
}

/**
 * Decodes `image` once into a small upright RGB working image, then derives the grayscale feature
 * image and the thumbnail from it. Decoding straight to the working size lets libjpeg (and libwebp)
 * shrink on load, so a 12 MP JPEG is never held at full resolution; PNG rows stream through the
 * resize under libvips' sequential access.
 *
 * @throws {MarkerError} `VERTEX_ERR_IMAGE_DECODE` for garbage, truncated or unsupported input;
 *   `VERTEX_ERR_IMAGE_TOO_LARGE` above `maxInputPixels`.
 */
export async function decodePortrait(image: Buffer, options: DecodeOptions): Promise<DecodeResult> {
  if (!(image instanceof Uint8Array)) throw decodeError('image must be a Buffer of encoded bytes');
  if (image.length === 0) throw decodeError('image is empty (0 bytes)');

  // Header only: cheap, and lets us reject other formats before libvips decodes anything.
  let meta: sharp.Metadata;
  try {
    // Reading the header decodes no pixel, so sharp's own pixel limit (which it applies here too, and whose failure
    // would read as a broken file: a 415) is lifted; the limit that matters is ours, just below, answered as a 413.
    meta = await sharp(image, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeError('image could not be decoded: not a recognised image format', err);
  }
  if (meta.format === undefined || !SUPPORTED.has(meta.format)) {
    throw decodeError(`unsupported image format '${meta.format ?? 'unknown'}': expected JPEG, PNG or WebP`);
  }
  const format = meta.format as PortraitFormat;
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!(width > 0 && height > 0)) throw decodeError('image has no pixels');
  if (width * height > options.maxInputPixels) {
    throw new MarkerError(
      'VERTEX_ERR_IMAGE_TOO_LARGE',
      `image is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP), above the ${(options.maxInputPixels / 1e6).toFixed(0)} MP limit`,
      { hint: 'downscale the image before uploading' },
    );
  }

  let rgb: { data: Buffer; info: sharp.OutputInfo };
  try {
    rgb = await sharp(image, {
      limitInputPixels: options.maxInputPixels,
      // 'truncated' rejects cut-off files but tolerates the benign libjpeg warnings many cameras trigger.
      failOn: 'truncated',
      autoOrient: true,
    })
      .resize(options.workingSidePx, options.workingSidePx, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw decodeError(`image could not be decoded (${reason})`, err);
  }

  const { data, info } = rgb;
  const gray = toLuma(data, info.width, info.height, info.channels);
  const thumbnail = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .resize(options.thumbnailSidePx, options.thumbnailSidePx, { fit: 'inside' })
    .jpeg({ quality: 82, mozjpeg: false })
    .toBuffer();
  return { format, width, height, gray, thumbnail };
}

/** BT.601 luma in 8.8 fixed point; handles 1–4 channel interleaved input. */
function toLuma(data: Uint8Array, width: number, height: number, channels: number): GrayImage {
  const n = width * height;
  const out = new Uint8Array(n);
  if (channels < 3) {
    for (let i = 0, j = 0; i < n; i++, j += channels) out[i] = data[j];
  } else {
    for (let i = 0, j = 0; i < n; i++, j += channels) {
      out[i] = (77 * data[j] + 150 * data[j + 1] + 29 * data[j + 2] + 128) >> 8;
    }
  }
  return { width, height, data: out };
}
