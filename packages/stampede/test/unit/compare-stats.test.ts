// Issue 7: the comparison's statistics on synthetic data — false-positive rate at or below alpha on same-distribution
// pairs, power on a 30 % shift, reproducible verdicts from a seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ar1MeanVariance, blockBootstrapRatio, QuantileTable, quantileBootstrap, seededRng, studentQuantile } from '../../src/report/bootstrap.ts';
import { seriesTest } from '../../src/report/compare-overall.ts';
import { compareReports, verdictOf, type ResolvedCompareOptions } from '../../src/report/compare.ts';
import { parseJsonReport } from '../../src/report/json-report.ts';
import { arSeries, syntheticReport, type SyntheticOptions } from '../fixtures/report-synthetic.ts';

const PURE: ResolvedCompareOptions = {
  tolerance: 0, errorTolerance: 0, alpha: 0.05, seed: 1, resamples: 1000, warmupS: 0,
  runNoise: { p50: 0, p95: 0, p99: 0, rps: 0 }, minTailSamples: 0, effectSize: 0.2, power: 0.8,
};

function sameDistributionRate(n: number, phi: number, shift: number, trials: number): { significant: number; regressed: number } {
  const rng = seededRng(2024);
  let significant = 0;
  let regressed = 0;
  for (let i = 0; i < trials; i++) {
    const a = arSeries(rng, n, phi, 0.05).map((x) => 20 * x);
    const b = arSeries(rng, n, phi, 0.05).map((x) => 20 * shift * x);
    const { ci } = seriesTest([a, b], [null, null], 'relative', 0, { ...PURE, seed: i + 1 }, 0);
    if (ci && (ci[0] > 0 || ci[1] < 0)) significant++;
    if (ci && ci[0] > 0) regressed++;
  }
  return { significant: significant / trials, regressed: regressed / trials };
}

test('seeded RNG streams are reproducible', () => {
  const a = seededRng(7);
  const b = seededRng(7);
  assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
  assert.deepEqual(blockBootstrapRatio([1, 2, 3, 4, 5], null, 5, seededRng(1)), blockBootstrapRatio([1, 2, 3, 4, 5], null, 5, seededRng(1)));
});

test('Student t quantiles match tables to 3 decimals', () => {
  assert.equal(studentQuantile(0.975, 1).toFixed(3), '12.706');
  assert.equal(studentQuantile(0.975, 2).toFixed(3), '4.303');
  assert.ok(Math.abs(studentQuantile(0.975, 5) - 2.571) < 2e-3);
  assert.ok(Math.abs(studentQuantile(0.975, 30) - 2.042) < 2e-3);
});

test('AR(1) variance of the mean grows with autocorrelation', () => {
  const rng = seededRng(3);
  const iid = ar1MeanVariance(arSeries(rng, 200, 0, 0.05));
  const correlated = ar1MeanVariance(arSeries(rng, 200, 0.8, 0.05));
  assert.ok(correlated.v > 3 * iid.v, `${correlated.v} vs ${iid.v}`);
  assert.ok(correlated.df < iid.df);
});

test('series test: false-positive rate at or below alpha on 400 same-distribution pairs (60 s, lag-1 correlation 0.5)', (t) => {
  const { significant, regressed } = sameDistributionRate(54, 0.5, 1, 400);
  t.diagnostic(`significant ${significant}, regressed ${regressed} (alpha 0.05, tolerance 0, no run noise)`);
  assert.ok(significant <= 0.05, `two-sided false-positive rate ${significant}`);
  assert.ok(regressed <= 0.05, `false 'regressed' rate ${regressed}`);
});

test('series test: false-positive rate at or below alpha for 20 s runs too (lag-1 correlation 0.5)', (t) => {
  const { significant } = sameDistributionRate(18, 0.5, 1, 400);
  t.diagnostic(`significant ${significant}`);
  assert.ok(significant <= 0.05, `two-sided false-positive rate ${significant}`);
});

test('series test: a 30 % shift is detected in every one of 100 pairs (60 s)', () => {
  assert.equal(sameDistributionRate(54, 0.5, 1.3, 100).regressed, 1);
});

test('quantile bootstrap: interval of the median of 10,000 draws is narrow, of 100 effective draws wide', () => {
  const values: Array<[number, number]> = Array.from({ length: 1000 }, (_, i) => [i + 1, 10]);
  const table = new QuantileTable(values);
  assert.equal(table.quantile(0.5), 500);
  const spread = (n: number) => {
    const r = Array.from(quantileBootstrap(table, 0.5, n, 2000, seededRng(5))).sort((a, b) => a - b);
    return r[1950] - r[50];
  };
  assert.ok(spread(10_000) < 25 && spread(100) > 150, `${spread(10_000)} ${spread(100)}`);
});

test('verdict rule: the whole interval must lie beyond the tolerance', () => {
  assert.equal(verdictOf([0.06, 0.2], 0.05, true), 'regressed');
  assert.equal(verdictOf([0.01, 0.2], 0.05, true), 'unchanged');
  assert.equal(verdictOf([-0.3, -0.1], 0.05, true), 'improved');
  assert.equal(verdictOf([-0.3, -0.1], 0.05, false), 'regressed');
  assert.equal(verdictOf(null, 0.05, true), 'unchanged');
});

function loaded(o: SyntheticOptions) {
  return parseJsonReport(JSON.stringify(syntheticReport(o)));
}

test('whole comparison with the defaults: 40 same-distribution pairs never regress, a 30 % slowdown of one endpoint always does, on that endpoint only', () => {
  let falseAlarms = 0;
  let detected = 0;
  let collateral = 0;
  for (let i = 0; i < 40; i++) {
    const base = loaded({ seed: 100 + 2 * i, seconds: 60, endpoints: 3 });
    const same = loaded({ seed: 101 + 2 * i, seconds: 60, endpoints: 3 });
    const slow = loaded({ seed: 101 + 2 * i, seconds: 60, endpoints: 3, scale: (k) => (k === 1 ? 1.3 : 1) });
    if (compareReports(base, same, { resamples: 500 }).regressed) falseAlarms++;
    const r = compareReports(base, slow, { resamples: 500 });
    if (r.endpoints[1].verdict === 'regressed') detected++;
    if (r.endpoints[0].verdict !== 'unchanged' || r.endpoints[2].verdict !== 'unchanged') collateral++;
  }
  assert.equal(falseAlarms, 0);
  assert.equal(detected, 40);
  assert.equal(collateral, 0);
});

test('the same inputs and seed give the same result; endpoints only in one run are added/removed', () => {
  const a = loaded({ seed: 1, endpoints: 3 });
  const b = loaded({ seed: 2, endpoints: 4 });
  assert.deepEqual(compareReports(a, b), compareReports(a, b));
  assert.equal(compareReports(a, b).endpoints.find((e) => e.name === '/api/resource-3/:id')?.verdict, 'added');
  assert.equal(compareReports(b, a).endpoints.find((e) => e.name === '/api/resource-3/:id')?.verdict, 'removed');
});

test('error rate: an increase of 5 percentage points regresses, equal rates do not', () => {
  const base = loaded({ seed: 1, failureRate: 0.01 });
  assert.equal(compareReports(base, loaded({ seed: 2, failureRate: 0.01 })).regressed, false);
  const r = compareReports(base, loaded({ seed: 2, failureRate: 0.06 }));
  assert.equal(r.overall.metrics.find((m) => m.metric === 'error_rate')?.verdict, 'regressed');
  assert.ok(r.endpoints.every((e) => e.metrics.find((m) => m.metric === 'error_rate')?.verdict === 'regressed'));
});
