import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import {
  type Marker,
  MarkerError,
  generatePortraitAssets,
  matchMarkers,
} from '../../src/marker/index.ts';
// Seeded so every fixture image is reproducible from its seed.
import { mulberry32 } from '../../src/marker/brief.ts';

// Similarity thresholds, chosen from what was measured on the fixtures below, with margin:
// - same picture re-encoded (JPEG q75–95, PNG↔JPEG, WebP q75–95): lowest observed 0.65 (JPEG q75,
//   over 12 images), 0.74 over 40 random property cases; typical 0.75–0.95. Asserted ≥ 0.5.
// - two different synthetic pictures: highest observed 0.049, mean 0.02. Asserted ≤ 0.15.
const SAME_MIN = 0.5;
const DIFFERENT_MAX = 0.15;


/**
 * A textured, photo-like PNG: a colour gradient with seeded noise (generated here, since sharp's
 * `create.noise` is not seeded) under 40–80 random rectangles, circles and stroked polygons.
 */
async function synthImage(seed: number, width = 640, height = 480): Promise<Buffer> {
  const rand = mulberry32(seed);
  const rgb = Buffer.alloc(width * height * 3);
  const c0 = [rand() * 255, rand() * 255, rand() * 255];
  const c1 = [rand() * 255, rand() * 255, rand() * 255];
  const gx = rand();
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (gx * x) / width + ((1 - gx) * y) / height;
      const noise = (rand() + rand() + rand() - 1.5) * 24;
      for (let c = 0; c < 3; c++, i++) rgb[i] = Math.max(0, Math.min(255, c0[c] + (c1[c] - c0[c]) * t + noise));
    }
  }
  const colour = (): string => `rgb(${(rand() * 255) | 0},${(rand() * 255) | 0},${(rand() * 255) | 0})`;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`;
  const shapes = 40 + Math.floor(rand() * 40);
  for (let k = 0; k < shapes; k++) {
    const x = rand() * width;
    const y = rand() * height;
    const s = 8 + rand() * Math.min(width, height) * 0.25;
    const kind = rand();
    if (kind < 0.4) {
      svg += `<rect x="${x}" y="${y}" width="${s}" height="${s * (0.3 + rand())}" fill="${colour()}" transform="rotate(${rand() * 90} ${x} ${y})"/>`;
    } else if (kind < 0.7) {
      svg += `<circle cx="${x}" cy="${y}" r="${s / 2}" fill="${colour()}"/>`;
    } else {
      const points = Array.from({ length: 3 + Math.floor(rand() * 3) }, () =>
        `${x + (rand() - 0.5) * 2 * s},${y + (rand() - 0.5) * 2 * s}`).join(' ');
      svg += `<polygon points="${points}" fill="${colour()}" stroke="${colour()}" stroke-width="${1 + rand() * 3}"/>`;
    }
  }
  svg += '</svg>';
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toBuffer();
}

async function markerOf(image: Buffer): Promise<Marker> {
  return (await generatePortraitAssets(image)).marker;
}

function assertMarkerError(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof MarkerError, `expected MarkerError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.ok(err.message.length > 0);
    return true;
  };
}

/** A PNG declaring width × height but holding one row of pixels: tests the cap without 50 MP of memory. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  const chunk = (type: string, body: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // libspng wants an IDAT before it reports the header; one filter byte + one zero row suffices.
  const idat = deflateSync(Buffer.alloc(1 + width * 3));
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

describe('marker: similarity under re-encoding (property)', () => {
  it('re-encoded copies match, different pictures do not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 2 }),
        fc.integer({ min: 320, max: 800 }),
        fc.integer({ min: 240, max: 600 }),
        fc.constantFrom('png', 'jpeg'),
        fc.constantFrom('jpeg', 'png', 'webp'),
        fc.integer({ min: 75, max: 95 }),
        async (seed, width, height, originalFormat, reencodeFormat, quality) => {
          const png = await synthImage(seed, width, height);
          const original = originalFormat === 'png' ? png : await sharp(png).jpeg({ quality: 95 }).toBuffer();
          const reencoded =
            reencodeFormat === 'jpeg' ? await sharp(original).jpeg({ quality }).toBuffer()
            : reencodeFormat === 'webp' ? await sharp(original).webp({ quality }).toBuffer()
            : await sharp(original).png().toBuffer();
          const a = await markerOf(original);
          const b = await markerOf(reencoded);
          const other = await markerOf(await synthImage(seed + 1, width, height));
          const same = matchMarkers(a, b);
          const different = matchMarkers(a, other);
          assert.ok(same >= SAME_MIN, `re-encoded (${originalFormat}→${reencodeFormat} q${quality}) scored ${same}`);
          assert.ok(different <= DIFFERENT_MAX, `different images scored ${different}`);
        },
      ),
      { numRuns: 15, seed: 0x7e57 },
    );
  });

  it('survives a 90° rotation and a 0.75 downscale', async () => {
    const png = await synthImage(1234, 600, 450);
    const a = await markerOf(png);
    const rotated = matchMarkers(a, await markerOf(await sharp(png).rotate(90).png().toBuffer()));
    const smaller = matchMarkers(a, await markerOf(await sharp(png).resize(450).png().toBuffer()));
    // Observed over 10 images: rotation 0.92–1.00 (orientation steering), downscale 0.32–0.57
    // (the pyramid; fine detail is lost at the smaller size).
    assert.ok(rotated >= 0.6, `rotated scored ${rotated}`);
    assert.ok(smaller >= 0.2, `downscaled scored ${smaller}`);
  });
});

describe('marker: generatePortraitAssets', () => {
  it('is deterministic: same bytes give an identical marker', async () => {
    const jpeg = await sharp(await synthImage(99)).jpeg({ quality: 85 }).toBuffer();
    const first = await generatePortraitAssets(jpeg);
    const second = await generatePortraitAssets(Buffer.from(jpeg));
    assert.deepEqual(second.marker, first.marker);
    assert.equal(matchMarkers(first.marker, second.marker), 1);
  });

  it('produces a well-formed marker', async () => {
    const { marker } = await generatePortraitAssets(await synthImage(7, 800, 600));
    assert.equal(marker.version, 1);
    assert.deepEqual([marker.width, marker.height], [640, 480]); // downscaled working image
    assert.ok(marker.keypoints.length > 200 && marker.keypoints.length <= 500, `${marker.keypoints.length} keypoints`);
    assert.equal(Buffer.from(marker.descriptors, 'base64').length, marker.keypoints.length * 32);
    const levels = new Set<number>();
    for (const k of marker.keypoints) {
      assert.ok(k.x >= 0 && k.x < marker.width && k.y >= 0 && k.y < marker.height, `keypoint ${k.x},${k.y}`);
      assert.ok(Number.isInteger(k.level) && k.level >= 0 && k.level < 4);
      assert.ok(k.angle >= -Math.PI && k.angle <= Math.PI);
      assert.ok(k.response > 0);
      levels.add(k.level);
    }
    assert.equal(levels.size, 4, 'keypoints come from every pyramid level');
    for (let i = 1; i < marker.keypoints.length; i++) {
      assert.ok(marker.keypoints[i - 1].response >= marker.keypoints[i].response, 'strongest first');
    }
  });

  it('spreads keypoints over the image (grid bucketing)', async () => {
    const { marker } = await generatePortraitAssets(await synthImage(31, 640, 480));
    const quadrants = [0, 0, 0, 0];
    for (const k of marker.keypoints) quadrants[(k.x < 320 ? 0 : 1) + (k.y < 240 ? 0 : 2)]++;
    for (const n of quadrants) assert.ok(n >= marker.keypoints.length / 10, `quadrants ${quadrants.join(',')}`);
  });

  it('makes a JPEG thumbnail with longest side 256', async () => {
    for (const [w, h] of [[800, 600], [300, 900], [100, 80]]) {
      const { thumbnail } = await generatePortraitAssets(await synthImage(w + h, w, h));
      assert.deepEqual([...thumbnail.subarray(0, 3)], [0xff, 0xd8, 0xff]);
      const meta = await sharp(thumbnail).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(Math.max(meta.width, meta.height), 256, `${w}x${h} → ${meta.width}x${meta.height}`);
      assert.ok(Math.abs(meta.width / meta.height - w / h) < 0.02, 'aspect ratio kept');
    }
  });

  it('detects JPEG, PNG and WebP from the bytes and reports original size', async () => {
    const png = await synthImage(5, 500, 300);
    const inputs = {
      jpeg: await sharp(png).jpeg().toBuffer(),
      png,
      webp: await sharp(png).webp().toBuffer(),
    } as const;
    for (const [format, bytes] of Object.entries(inputs)) {
      const assets = await generatePortraitAssets(bytes);
      assert.equal(assets.format, format);
      assert.deepEqual([assets.width, assets.height], [500, 300]);
    }
  });

  it('reports upright size for EXIF-rotated JPEGs', async () => {
    const jpeg = await sharp(await synthImage(6, 400, 300)).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const assets = await generatePortraitAssets(jpeg);
    assert.deepEqual([assets.width, assets.height], [300, 400]);
    assert.deepEqual([assets.marker.width, assets.marker.height], [300, 400]);
  });

  it('yields no keypoints for a flat image, without crashing', async () => {
    const flat = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#7a9bc4' } }).png().toBuffer();
    const { marker, thumbnail } = await generatePortraitAssets(flat);
    assert.ok(marker.keypoints.length <= 5, `${marker.keypoints.length} keypoints on a flat image`);
    assert.equal(Buffer.from(marker.descriptors, 'base64').length, marker.keypoints.length * 32);
    assert.ok(thumbnail.length > 0);
    const textured = await markerOf(await synthImage(8));
    assert.equal(matchMarkers(textured, marker), 0);
    assert.equal(matchMarkers(marker, textured), 0);
  });

  it('handles tiny and extreme-aspect images', async () => {
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 4, background: '#80808080' } }).png().toBuffer();
    const strip = await sharp({ create: { width: 4000, height: 3, channels: 3, background: '#336699' } }).png().toBuffer();
    for (const bytes of [tiny, strip]) {
      const assets = await generatePortraitAssets(bytes);
      assert.equal(assets.marker.keypoints.length, 0);
    }
  });
});

describe('marker: errors', () => {
  it('rejects garbage bytes and empty input with VERTEX_ERR_IMAGE_DECODE', async () => {
    await assert.rejects(generatePortraitAssets(Buffer.from('definitely not an image, just text')), assertMarkerError('VERTEX_ERR_IMAGE_DECODE'));
    const random = Buffer.from(Array.from({ length: 4096 }, mulberry32(3)).map((v) => (v * 256) | 0));
    await assert.rejects(generatePortraitAssets(random), assertMarkerError('VERTEX_ERR_IMAGE_DECODE'));
    await assert.rejects(generatePortraitAssets(Buffer.alloc(0)), assertMarkerError('VERTEX_ERR_IMAGE_DECODE'));
  });

  it('rejects a truncated JPEG with VERTEX_ERR_IMAGE_DECODE', async () => {
    const jpeg = await sharp(await synthImage(11)).jpeg({ quality: 90 }).toBuffer();
    await assert.rejects(generatePortraitAssets(jpeg.subarray(0, Math.floor(jpeg.length / 2))), assertMarkerError('VERTEX_ERR_IMAGE_DECODE'));
  });

  it('rejects decodable but unsupported formats (GIF, SVG) with VERTEX_ERR_IMAGE_DECODE', async () => {
    const gif = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#123456' } }).gif().toBuffer();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="32" height="32"/></svg>');
    await assert.rejects(generatePortraitAssets(gif), assertMarkerError('VERTEX_ERR_IMAGE_DECODE'));
    await assert.rejects(generatePortraitAssets(svg), assertMarkerError('VERTEX_ERR_IMAGE_DECODE'));
  });

  it('rejects images above the 50 MP decode cap with VERTEX_ERR_IMAGE_TOO_LARGE', async () => {
    await assert.rejects(generatePortraitAssets(pngHeaderOnly(10_000, 6_000)), assertMarkerError('VERTEX_ERR_IMAGE_TOO_LARGE'));
  });

  it('matchMarkers rejects a marker whose descriptors do not match its keypoints', async () => {
    const good = await markerOf(await synthImage(12));
    const broken: Marker = { ...good, descriptors: good.descriptors.slice(0, 40) };
    assert.throws(() => matchMarkers(good, broken), assertMarkerError('VERTEX_ERR_MARKER_INVALID'));
  });
});
