/**
 * Benchmark (not a test): time to render the HTML report of a one-hour run with 50 endpoints and monitor samples,
 * and the time to compare two such runs. Issue 7 targets: render < 1 s, file < 2 MB.
 * Run: node --import tsx bench/report-html.bench.ts
 */
import { renderHtmlReport } from '../packages/stampede/src/report/html-report.ts';
import { compareReports } from '../packages/stampede/src/report/compare.ts';
import { parseJsonReport } from '../packages/stampede/src/report/json-report.ts';
import { syntheticReport } from '../packages/stampede/test/fixtures/report-synthetic.ts';

const report = syntheticReport({ seconds: 3600, endpoints: 50, samplesPerEndpoint: 2000, monitor: true });
const t0 = performance.now();
const first = renderHtmlReport(report); // includes bundling the client once
const t1 = performance.now();
const runs: number[] = [];
for (let i = 0; i < 5; i++) {
  const s = performance.now();
  renderHtmlReport(report);
  runs.push(performance.now() - s);
}
console.log(JSON.stringify({ case: 'render 1 h, 50 endpoints, monitor', first_ms: +(t1 - t0).toFixed(1), warm_ms: +Math.min(...runs).toFixed(1), bytes: Buffer.byteLength(first) }));

const a = parseJsonReport(JSON.stringify(report));
const b = parseJsonReport(JSON.stringify(syntheticReport({ seed: 2, seconds: 3600, endpoints: 50, samplesPerEndpoint: 2000 })));
const c0 = performance.now();
compareReports(a, b);
console.log(JSON.stringify({ case: 'compare 1 h, 50 endpoints', ms: +(performance.now() - c0).toFixed(1) }));
