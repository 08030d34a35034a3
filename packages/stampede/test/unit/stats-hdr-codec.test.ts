// The histogram codec is ours (node:zlib) instead of hdr-histogram-js's (pako + wasm on import, issue 11 goal 3):
// it must write the very bytes hdr-histogram-js writes and read what it writes, or reports and snapshots of
// earlier versions would stop decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64, type JsHistogram } from 'hdr-histogram-js';
import { decodeHdr, decodeHdrBuckets, encodeHdr } from '../../src/stats/hdr-codec.ts';
import { createLatencyHdr, LATENCY_HIGHEST_US, LatencyHistogram } from '../../src/stats/latency-histogram.ts';
import { LatencyAccumulator, decodeLatencyDelta, decodeLatencyHistogram } from '../../src/stats/latency-accumulator.ts';
import { createRandom } from '../../src/user/random.ts';

function randomHistogram(seed: number): JsHistogram {
  const rng = createRandom(seed);
  const h = createLatencyHdr();
  const kinds = seed % 4;
  const n = Math.floor(rng() * 2000);
  for (let i = 0; i < n; i++) {
    const v =
      kinds === 0 ? Math.floor(rng() * 1000) // dense, small
      : kinds === 1 ? Math.floor(Math.exp(rng() * Math.log(LATENCY_HIGHEST_US))) // spread over the range
      : kinds === 2 ? 250 + Math.floor(rng() * 5) // few buckets, long zero runs
      : Math.floor(rng() * 3e6);
    h.recordValueWithCount(v, 1 + Math.floor(rng() * (rng() < 0.01 ? 1e6 : 50)));
  }
  return h;
}

/** Same buckets and tracking values (decoding gives bucket-equivalent max/min, in both codecs). */
function sameCounts(a: JsHistogram, b: JsHistogram): void {
  assert.equal(a.totalCount, b.totalCount);
  assert.equal(a.maxValue, b.maxValue);
  assert.equal(a.minNonZeroValue, b.minNonZeroValue);
  for (let i = 0; i < a.countsArrayLength; i++) if (a.getCountAtIndex(i) !== b.getCountAtIndex(i)) assert.fail(`bucket ${i}`);
  for (const p of [0, 50, 90, 99, 99.9, 100]) assert.equal(a.getValueAtPercentile(p), b.getValueAtPercentile(p), `p${p}`);
}

test('encodeHdr writes exactly what hdr-histogram-js writes; each side decodes the other', () => {
  for (let seed = 0; seed < 120; seed++) {
    const h = randomHistogram(seed);
    const ours = encodeHdr(h);
    const theirs = encodeIntoCompressedBase64(h);
    assert.equal(ours, theirs, `seed ${seed}`);
    const reference = decodeFromCompressedBase64(theirs, 32, false) as JsHistogram;
    sameCounts(decodeHdr(theirs), reference);
    sameCounts(decodeHdr(ours), reference);
    assert.equal(reference.totalCount, h.totalCount);
  }
});

test('edge values: empty, a single 0, the highest trackable value, counts near 2^31 (Int32 buckets)', () => {
  const empty = createLatencyHdr();
  assert.equal(encodeHdr(empty), encodeIntoCompressedBase64(empty));
  assert.equal(decodeHdr(encodeHdr(empty)).totalCount, 0);
  const edges = createLatencyHdr();
  edges.recordValueWithCount(0, 1);
  edges.recordValueWithCount(LATENCY_HIGHEST_US, 2 ** 31 - 2);
  assert.equal(encodeHdr(edges), encodeIntoCompressedBase64(edges));
  sameCounts(decodeHdr(encodeHdr(edges)), decodeFromCompressedBase64(encodeIntoCompressedBase64(edges), 32, false) as JsHistogram);
});

test('anything but a V2 compressed histogram is refused with an error', () => {
  const good = encodeHdr(randomHistogram(3));
  for (const bad of ['', 'not base64!', 'abc', Buffer.from('hello world!').toString('base64'), good.slice(0, 40), good.slice(0, -8) + 'AAAAAAAA']) {
    assert.throws(() => decodeHdr(bad), Error, JSON.stringify(bad));
  }
});

test('a recorder encodes straight from its counts exactly what draining it into an HdrHistogram encoded', () => {
  for (let seed = 0; seed < 40; seed++) {
    const rng = createRandom(seed);
    const a = new LatencyHistogram();
    const n = seed === 0 ? 0 : Math.floor(rng() * 3000);
    // The reference: hdr-histogram-js itself, given the values as LatencyHistogram stores them (µs, rounded).
    const drained = createLatencyHdr();
    for (let i = 0; i < n; i++) {
      const v = seed % 2 ? rng() * 2000 : Math.exp(rng() * Math.log(LATENCY_HIGHEST_US));
      a.record(v);
      drained.recordValue(Math.min(LATENCY_HIGHEST_US, Math.round(v)));
    }
    const c = new LatencyHistogram();
    for (let k = 0; k < drained.countsArrayLength; k++) for (let m = drained.getCountAtIndex(k); m > 0; m--) c.record(drained.valueFromIndex(k));
    assert.equal(a.encodeAndClear(true), encodeHdr(drained), `seed ${seed}`);
    assert.equal(a.count, 0);
    assert.equal(a.encodeAndClear(true), encodeHdr(createLatencyHdr()), 'cleared');
    // The uncompressed form (per-second deltas) decodes to the same buckets.
    const plain = c.encodeAndClear();
    assert.deepEqual(decodeHdrBuckets(plain), decodeHdrBuckets(encodeHdr(drained)));
    sameCounts(decodeHdr(plain), decodeFromCompressedBase64(encodeHdr(drained), 32, false) as JsHistogram);
  }
});

test('adding a delta bucket by bucket leaves the accumulator as adding the decoded HdrHistogram did', () => {
  const sparse = new LatencyAccumulator();
  const whole = new LatencyAccumulator();
  for (let seed = 1; seed < 30; seed++) {
    const rng = createRandom(seed);
    const rec = new LatencyHistogram();
    for (let i = 0, n = Math.floor(rng() * 500); i < n; i++) rec.record(seed % 3 ? rng() * 5000 : rng() * 3e7);
    const exact = { sumUs: rec.sumUs, minUs: rec.minUs, maxUs: rec.maxUs };
    const text = rec.encodeAndClear();
    sparse.addDelta(decodeLatencyDelta(text), exact);
    whole.add(decodeLatencyHistogram(text), exact);
    assert.deepEqual(sparse.summaryMs(), whole.summaryMs(), `seed ${seed}`);
    assert.equal(sparse.count, whole.count);
    assert.equal(sparse.hist.maxValue, whole.hist.maxValue);
    assert.equal(sparse.hist.minNonZeroValue, whole.hist.minNonZeroValue);
    assert.equal(sparse.encode(), whole.encode());
  }
});
