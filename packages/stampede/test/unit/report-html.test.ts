// Issue 7: the HTML report is one self-contained, escaped file; a one-hour run with 50 endpoints stays under 2 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtmlReport, renderSuiteReport, writeHtmlReport } from '../../src/report/html-report.ts';
import { escapeHtml, jsonForScript } from '../../src/report/html-template.ts';
import { downsample, monitorCharts, ninesOf } from '../../src/report/html-charts.ts';
import { collectHistory, renderHistoryIndex } from '../../src/report/history.ts';
import { validateReport } from '../../src/report/schema.ts';
import { HOSTILE_NAME, syntheticReport } from '../fixtures/report-synthetic.ts';

function dataBlock(html: string): any {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'data block present');
  return JSON.parse(m[1]);
}

test('escapeHtml and jsonForScript neutralise markup and </script>', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  const json = jsonForScript({ s: '</script><!-- \u2028' });
  assert.ok(!/<|>|\u2028/.test(json));
  assert.deepEqual(JSON.parse(json), { s: '</script><!-- \u2028' });
});

test('a hostile report renders with every string escaped and no external resource', () => {
  const report = syntheticReport({ seconds: 30, endpoints: 4, hostile: true, monitor: true, failureRate: 0.02 });
  assert.deepEqual(validateReport(report), []);
  const html = renderHtmlReport(report);
  const [, afterBody] = html.split('<body>');
  const markup = afterBody.replace(/<script type="application\/json"[\s\S]*?<\/script>/, '').replace(/<script>[\s\S]*?<\/script>/, '');
  assert.ok(!markup.includes('<img'), 'no raw <img> in the markup');
  assert.ok(!markup.includes('<script>alert'), 'no injected script');
  assert.ok(markup.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.equal((html.match(/<script>/g) ?? []).length, 1, 'exactly one executable script');
  assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'no network reference');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/);
  const data = dataBlock(html);
  const spectrum = data.charts.find((c: any) => c.id === 'spectrum');
  assert.ok(spectrum.series.some((s: any) => s.label === `GET ${HOSTILE_NAME}`), 'names reach the client as data, not markup');
  assert.deepEqual(spectrum.x.slice(0, 2), [0, Number(ninesOf(10).toPrecision(4))]);
});

test('a partial run says so, and a run without timeseries or monitor still renders', () => {
  const report = { ...syntheticReport({ seconds: 5, endpoints: 1, partial: true }), timeseries: [] };
  const html = renderHtmlReport(report);
  assert.match(html, /partial report/);
  assert.match(html, /too short for per-second data/);
  assert.equal(dataBlock(html).charts.length, 1, 'only the spectrum');
});

test('suite verdicts and recommendations are rendered and decide the verdict', () => {
  const html = renderHtmlReport(syntheticReport({ seconds: 10 }), {
    suite: { tests: [{ name: 't1', status: 'failed', reason: 'p95 <b>over</b>', metrics: { p95_ms: 500 }, findings: [{ kind: 'k', text: 'f <i>' }] }], recommendations: [{ text: 'Raise <pool>', evidence: { a: 1 } }] },
  });
  assert.match(html, /Suite results <span class="verdict v-failed">failed/);
  assert.match(html, /Raise &lt;pool&gt;/);
  assert.match(html, /p95 &lt;b&gt;over&lt;\/b&gt;/);
  assert.match(html, /Summary <span class="verdict v-failed">/);
  assert.doesNotMatch(html, /href="#test-1"/, 'a single run\'s report has no test sections to link to');
});

test('the suite page: overview rows linking their sections, recommendations, per-test charts and page links, a partial banner', () => {
  const report = syntheticReport({ seconds: 20, monitor: true });
  const summary = {
    suite: 'vertex-ar', partial: true, interrupted: false, pending: ['later'], results_files: { 'up <x>': '01-up.json' },
    tests: [{ name: 'up <x>', status: 'inconclusive', reason: 'why <b>', duration_s: 20, headline: [{ metric: 'a', label: 'image upload', unit: 'MB/s', value: 28.8 }, { metric: 'p95_ms', label: 'p95', unit: 'ms', value: 618 }], metrics: { a: 28.8 }, findings: [] }],
    recommendations: [{ text: 'Do <this>', evidence: { test: 'up', long: 'x'.repeat(400) } }],
  };
  const html = renderSuiteReport(summary, new Map([['up <x>', report]]));
  assert.match(html, /<td class="name"><a href="#test-1">up &lt;x&gt;<\/a><\/td>/);
  assert.match(html, /<td class="figures">image upload 28\.8 MB\/s, p95 618 ms<\/td>/);
  assert.match(html, /why &lt;b&gt;/);
  assert.match(html, /In progress: 1 test\(s\) done, 1 to go/);
  assert.match(html, /<td class="name">later<\/td>/, 'a pending test has its row');
  assert.match(html, /<details class="muted evidence"><summary>evidence: test: up; long: x+…<\/summary>/, 'long evidence is folded');
  assert.match(html, /<a href="01-up\.html">full report<\/a>/);
  // The fixture's monitor has CPU, memory and loopback figures but no disk: no empty disk chart.
  const charts = dataBlock(html).charts as Array<{ id: string; series: Array<{ label: string }> }>;
  assert.deepEqual(charts.map((c) => c.id), ['test-1-ts-rps', 'test-1-ts-latency', 'test-1-cpu', 'test-1-memory', 'test-1-network']);
  assert.deepEqual(charts[2]!.series.map((x) => x.label), ['target', 'generator', 'machine (2 cores)']);
  assert.match(html, /<div class="chart" data-chart="test-1-cpu"><\/div>/);
});

test('monitor charts come from whatever numeric fields exist, grouped by owner and unit', () => {
  const charts = monitorCharts({ interval_s: 0.5, samples: [{ t: 0.5, gen_cpu_pct: 50, target_rss_bytes: 1048576 * 10, odd: 'x', cpu_per_core_pct: [1, 2], target_cpu_pct: null }, { t: 1, gen_cpu_pct: 60, target_rss_bytes: null }] });
  assert.deepEqual(charts.map((c) => c.title), ['Generator CPU %', 'Target memory']);
  assert.deepEqual(charts[1].series[0].values, [10, null]);
  assert.deepEqual(monitorCharts(undefined), []);
  assert.deepEqual(monitorCharts({ interval_s: 0.5, samples: 'nope' as any }), []);
});

test('downsampling buckets long series: means for rates, maxima for tails', () => {
  const x = Array.from({ length: 10 }, (_, i) => i);
  const { x: bx, columns } = downsample(x, [{ values: x, reduce: 'mean' }, { values: x, reduce: 'max' }], 5);
  assert.deepEqual(bx, [0, 2, 4, 6, 8]);
  assert.deepEqual(columns, [[0.5, 2.5, 4.5, 6.5, 8.5], [1, 3, 5, 7, 9]]);
});

test('a one-hour run with 50 endpoints and monitor samples stays under 2 MB', () => {
  const report = syntheticReport({ seconds: 3600, endpoints: 50, samplesPerEndpoint: 2000, monitor: true, hostile: true });
  const bytes = Buffer.byteLength(renderHtmlReport(report));
  assert.ok(bytes < 2 * 1024 * 1024, `report is ${bytes} bytes`);
});

test('the history index lists suite runs and loose results with trend charts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stampede-history-'));
  try {
    for (const [i, run] of ['20250101-100000', '20250102-100000', '20250103-100000'].entries()) {
      await mkdir(join(dir, run));
      await writeFile(join(dir, run, 'baseline.json'), JSON.stringify(syntheticReport({ seed: i + 1, seconds: 10 })));
      // The third run was killed after its first test: its summary is the partial one written then.
      await writeFile(join(dir, run, 'summary.json'), JSON.stringify({ started_at: `2025-01-0${i + 1}`, partial: i === 2, results_files: { baseline: 'baseline.json' }, tests: [{ name: 'baseline', status: i === 1 ? 'failed' : 'passed' }], recommendations: [] }));
      await writeFile(join(dir, run, 'report.html'), '<html></html>');
    }
    await writeFile(join(dir, 'loose.json'), JSON.stringify(syntheticReport({ seconds: 10 })));
    await writeFile(join(dir, 'broken.json'), '{');
    const { runs, notes } = await collectHistory(dir, join(dir, 'index.html'));
    assert.deepEqual(runs.map((r) => r.name), ['20250101-100000', '20250102-100000', '20250103-100000', 'loose']);
    assert.equal(runs[0].href, '20250101-100000/report.html');
    assert.deepEqual(runs.map((r) => r.verdict), ['passed', 'failed', 'partial', undefined]);
    assert.equal(notes.length, 1);
    const data = dataBlock(renderHistoryIndex(runs, notes));
    assert.deepEqual(data.charts.map((c: any) => c.id), ['trend-p95_ms', 'trend-p99_ms', 'trend-rps', 'trend-error_rate']);
    assert.equal(data.charts[0].series.find((s: any) => s.label === 'baseline').values.length, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeHtmlReport writes the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stampede-html-'));
  try {
    await writeHtmlReport(syntheticReport({ seconds: 10 }), join(dir, 'r.html'));
    assert.match(await readFile(join(dir, 'r.html'), 'utf8'), /^<!doctype html>/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('protocol counts and WebSocket traffic get their tables, escaped, only when present', () => {
  const plain = renderHtmlReport(syntheticReport({ seconds: 5, endpoints: 2 }));
  assert.ok(!plain.includes('Requests per protocol') && !plain.includes('WebSocket messages'));
  const report = syntheticReport({ seconds: 5, endpoints: 2 });
  report.endpoints[0]!.protocols = { h2: 7, 'http/1.1': 2 };
  report.endpoints[1]!.method = 'WS';
  report.endpoints[1]!.name = '<live>';
  report.endpoints[1]!.websocket = { messages_sent: 3, messages_received: 4, bytes_sent: 30, bytes_received: 40 };
  assert.deepEqual(validateReport(report), []);
  const html = renderHtmlReport(report);
  assert.match(html, /<h3>Requests per protocol<\/h3>.*data-v="2">2<\/td><td class="n" data-v="7">7<\/td>/s);
  assert.match(html, /<h3>WebSocket messages<\/h3>.*&lt;live&gt;<\/td><td class="n" data-v="3">3<\/td><td class="n" data-v="4">4<\/td>/s);
});
