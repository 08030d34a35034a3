/** Test media: real images made with sharp, and byte buffers that look like MP4/WebM. */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** A PNG of random noise (incompressible), about `approxBytes` long. */
export async function noisePng(approxBytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(approxBytes / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

/** A small JPEG with some structure (gradients and shapes) so feature detectors find corners. */
export async function smallJpeg(width = 320, height = 240): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#fff"/>
    ${Array.from({ length: 30 }, (_, i) => `<rect x="${(i * 37) % width}" y="${(i * 53) % height}" width="20" height="15" fill="#${((i * 123457) % 0xffffff).toString(16).padStart(6, '0')}"/>`).join('')}
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

/** `size` bytes starting with an ISO BMFF `ftyp` box (what an MP4 starts with), then random bytes. */
export function fakeMp4(size: number): Buffer {
  const buf = randomBytes(size);
  const ftyp = Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2mp41')]);
  ftyp.copy(buf, 0);
  return buf;
}

/** Multipart body with text fields and one file. */
export function form(fields: Record<string, string>, file?: { field: string; bytes: Buffer; filename?: string; type?: string }): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append(file.field, new Blob([file.bytes as unknown as BlobPart], { type: file.type ?? 'application/octet-stream' }), file.filename ?? 'upload.bin');
  return fd;
}
