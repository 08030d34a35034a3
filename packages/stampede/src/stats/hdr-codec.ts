/**
 * The HdrHistogram V2 compressed encoding (base64) — the `histogram` fields of snapshots and of the JSON report —
 * written and read byte for byte as hdr-histogram-js does (a parity test holds us to it), over node:zlib.
 * hdr-histogram-js's own codec loads pako, base64-js and its WebAssembly build on import (~10 MiB of RSS in every
 * process that records a sample; issue 11 goal 3), so only its histogram classes are used, from their own files.
 *
 * Layout: [int32 compressed cookie][int32 length][zlib( [int32 cookie][int32 payload length][int32 1]
 * [int32 significant digits][int64 lowest][int64 highest][int64 1][ZigZag LEB128 counts, runs of zeros negative] )],
 * all big-endian.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import type { Int32Histogram as Int32HistogramClass, JsHistogram } from 'hdr-histogram-js';
import { requireCjs } from '../cjs.ts';

/** hdr-histogram-js's Int32Histogram, loaded from its own file (the package index pulls in the codec and wasm). */
export const Int32Histogram = (requireCjs('hdr-histogram-js/dist/Int32Histogram.js') as { default: typeof Int32HistogramClass })
  .default;

const V2_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_COOKIE = 0x1c849304 | 0x10;
const HEADER_BYTES = 40;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What a counts array is read through (JsHistogram's own accessors). */
interface CountsSource extends HdrLayout {
  readonly maxValue: number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
}

/** A growable big-endian byte writer. */
class Writer {
  bytes = new Uint8Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  int32(v: number): void {
    this.room(4);
    new DataView(this.bytes.buffer).setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  int64(v: number): void {
    this.int32(Math.floor(v / 2 ** 32));
    this.int32(v % 2 ** 32);
  }

  /** ZigZag, then LEB128 in at most 9 bytes (the 9th holds 8 bits). */
  zigZag(value: number): void {
    this.room(9);
    let v = value >= 0 ? value * 2 : -value * 2 - 1;
    for (let i = 0; i < 8 && v >= 0x80; i++) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }
}

/** The parameters an encoding carries (a JsHistogram has them under these names). */
export interface HdrLayout {
  readonly numberOfSignificantValueDigits: number;
  readonly lowestDiscernibleValue: number;
  readonly highestTrackableValue: number;
}

/**
 * Encode counts [0, limit) of a histogram of `layout`, as hdr-histogram-js does (limit: max value's index + 1).
 * `compress: false` gives the uncompressed V2 encoding instead (same payload, no zlib): what the per-second deltas
 * between threads use, since a zlib stream per histogram per second cost milliseconds on the sending thread
 * (issue 11 goal 4); decodeHdrBuckets/decodeHdr read both. Reports keep the compressed form other tools read.
 */
export function encodeHdrCounts(layout: HdrLayout, counts: ArrayLike<number>, limit: number, compress = true): string {
  const w = new Writer();
  w.int32(V2_COOKIE);
  w.int32(0); // payload length, set below
  w.int32(1);
  w.int32(layout.numberOfSignificantValueDigits);
  w.int64(layout.lowestDiscernibleValue);
  w.int64(layout.highestTrackableValue);
  w.int64(1);
  for (let i = 0; i < limit; ) {
    const count = counts[i++]!;
    if (count < 0) throw new Error(`cannot encode a negative count (${count}) at index ${i - 1}`);
    if (count !== 0) {
      w.zigZag(count);
      continue;
    }
    let zeros = 1;
    while (i < limit && counts[i] === 0) {
      zeros++;
      i++;
    }
    w.zigZag(zeros > 1 ? -zeros : 0);
  }
  new DataView(w.bytes.buffer).setUint32(4, w.length - HEADER_BYTES);
  if (!compress) return Buffer.from(w.bytes.buffer, 0, w.length).toString('base64');
  const compressed = deflateSync(w.bytes.subarray(0, w.length));
  const out = Buffer.allocUnsafe(8 + compressed.length);
  out.writeUInt32BE(V2_COMPRESSED_COOKIE, 0);
  out.writeUInt32BE(compressed.length, 4);
  compressed.copy(out, 8);
  return out.toString('base64');
}

/** Encode a histogram as hdr-histogram-js `encodeIntoCompressedBase64(histogram)` does. */
export function encodeHdr(h: CountsSource): string {
  const limit = h.countsArrayIndex(h.maxValue) + 1;
  const counts = new Array<number>(limit);
  for (let i = 0; i < limit; i++) counts[i] = h.getCountAtIndex(i);
  return encodeHdrCounts(h, counts, limit);
}

/** A big-endian reader that throws on reading past the end. */
class Reader {
  position = 0;
  constructor(private readonly bytes: Buffer) {}

  int32(): number {
    const v = this.bytes.readUInt32BE(this.position);
    this.position += 4;
    return v;
  }

  int64(): number {
    return this.int32() * 2 ** 32 + this.int32();
  }

  zigZag(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 9; i++) {
      if (this.position >= this.bytes.length) throw new Error('truncated histogram payload');
      const b = this.bytes[this.position++]!;
      if (i === 8) {
        value += b * scale;
        break;
      }
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 0x80;
    }
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }
}

/** A decoded histogram as its non-empty buckets: counts-array indexes ascending, with their counts. */
export interface HdrBuckets extends HdrLayout {
  readonly indexes: number[];
  readonly counts: number[];
  /** Counts-array length the payload covered (index of its last entry + 1). */
  readonly length: number;
}

/** Decode what encodeHdr (or hdr-histogram-js) wrote into its non-empty buckets, without a counts array. */
export function decodeHdrBuckets(text: string): HdrBuckets {
  const trimmed = text.trim();
  if (trimmed.length % 4 !== 0 || !BASE64.test(trimmed)) throw new Error('not base64');
  const outer = Buffer.from(trimmed, 'base64');
  const cookie = outer.length < 8 ? 0 : outer.readUInt32BE(0);
  if (cookie !== V2_COOKIE && (cookie & ~0xf0) !== (V2_COMPRESSED_COOKIE & ~0xf0)) {
    throw new Error('Encoding not supported, only V2 is supported');
  }
  const r = new Reader(cookie === V2_COOKIE ? outer : inflateSync(outer.subarray(8, 8 + outer.readUInt32BE(4))));
  if (r.int32() !== V2_COOKIE) throw new Error('The buffer does not contain a Histogram (no valid V2 encoding cookie found)');
  const payloadBytes = r.int32();
  r.int32(); // normalizing index offset (unused)
  const numberOfSignificantValueDigits = r.int32();
  const lowestDiscernibleValue = r.int64();
  const highestTrackableValue = r.int64();
  r.int64(); // integer-to-double conversion ratio (unused)
  const end = r.position + payloadBytes;
  const indexes: number[] = [];
  const counts: number[] = [];
  let index = 0;
  while (r.position < end) {
    const count = r.zigZag();
    if (count < 0) index += -count;
    else {
      if (count > 0) {
        indexes.push(index);
        counts.push(count);
      }
      index++;
    }
  }
  return { numberOfSignificantValueDigits, lowestDiscernibleValue, highestTrackableValue, indexes, counts, length: index };
}

/**
 * Decode what encodeHdr (or hdr-histogram-js) wrote into an Int32Histogram (as hdr-histogram-js
 * `decodeFromCompressedBase64(text, 32, false)` does). Throws on anything else.
 */
export function decodeHdr(text: string): JsHistogram {
  const b = decodeHdrBuckets(text);
  const h = new Int32Histogram(b.lowestDiscernibleValue, b.highestTrackableValue, b.numberOfSignificantValueDigits);
  if (b.length > h.countsArrayLength) throw new Error('histogram payload longer than its counts array');
  for (let k = 0; k < b.indexes.length; k++) h.setCountAtIndex(b.indexes[k]!, b.counts[k]!);
  h.establishInternalTackingValues(b.length);
  return h;
}
