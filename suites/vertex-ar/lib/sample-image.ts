/** Small valid PNG images for upload tasks, made without an image library (the target decodes them for real). */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A `size`×`size` RGB PNG of seeded blocky noise: textured enough that the target's marker
 * generator finds corners, different for every seed.
 */
export function samplePng(seed: number, size = 96): Buffer {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) & 0xff;
  };
  const block = 8;
  const colours = Array.from({ length: (size / block) ** 2 }, () => [next(), next(), next()] as const);
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const [r, g, b] = colours[Math.floor(y / block) * (size / block) + Math.floor(x / block)]!;
      row[1 + x * 3] = r;
      row[2 + x * 3] = g;
      row[3 + x * 3] = b;
    }
    rows.push(row);
  }
  return encodeRgbPng(size, Buffer.concat(rows));
}

/**
 * A square 8-bit RGB PNG from its filtered scanlines (`side` rows of a filter byte then `side` × 3 bytes);
 * `level` 0 stores them uncompressed, so the file size is what the caller asked for.
 */
export function encodeRgbPng(side: number, scanlines: Buffer, level = 6): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(scanlines, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
