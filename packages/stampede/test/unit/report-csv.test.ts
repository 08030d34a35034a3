import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import {
  csvRow,
  renderExceptionsCsv,
  renderFailuresCsv,
  renderStatsCsv,
  renderStatsHistoryCsv,
  writeCsvReports,
} from '../../src/report/csv.ts';

/** A strict RFC 4180 parser (test oracle): CRLF records, quoted fields, doubled quotes; rejects bare quotes/CR/LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '"' || c === '\r' || c === '\n') throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    else field += c;
  }
  assert.equal(field, '', 'file ends with CRLF');
  assert.equal(row.length, 0);
  return rows;
}

const HOSTILE = 'GET /search?q="a,b"\r\nX-Injected: 1\n,,"" =cmd|\' /C calc\'!A0 ünï';

function aggregate(): Aggregate {
  const agg = new Aggregate();
  const s = new StatsSet();
  for (let i = 1; i <= 100; i++) s.record('GET', HOSTILE, i * 1000, 100);
  s.record('POST', '/plain', 5000, 10, { kind: 'http_4xx', message: 'HTTP 400: "bad", really\nbad' });
  s.recordException(new Error('boom, "quoted"'));
  agg.merge(s.snapshot());
  agg.tick(1, 7);
  agg.tick(2, 7);
  return agg;
}

test('stats CSV headers are exactly Locust\'s', () => {
  const agg = aggregate();
  const header = (text: string) => text.slice(0, text.indexOf('\r\n'));
  assert.equal(
    header(renderStatsCsv(agg, 2)),
    'Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,' +
      'Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%',
  );
  assert.equal(
    header(renderStatsHistoryCsv(agg, 1_700_000_000_000)),
    'Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,' +
      'Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,' +
      'Total Min Response Time,Total Max Response Time,Total Average Content Size',
  );
  assert.equal(header(renderFailuresCsv(agg)), 'Method,Name,Error,Occurrences');
  assert.equal(header(renderExceptionsCsv(agg)), 'Count,Message,Traceback,Nodes');
});

test('a hostile name survives the round trip through RFC 4180 quoting', () => {
  const rows = parseCsv(renderStatsCsv(aggregate(), 2));
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => r.length === 22));
  const hostile = rows.find((r) => r[1] === HOSTILE);
  assert.ok(hostile, 'name read back unchanged');
  assert.deepEqual(hostile.slice(0, 11), ['GET', HOSTILE, '100', '0', '50', '50.5', '1', '100', '100', '50', '0']);
  assert.deepEqual(hostile.slice(11), ['50', '66', '75', '80', '90', '95', '98', '99', '100', '100', '100']);
  assert.deepEqual(rows[3].slice(0, 4), ['', 'Aggregated', '101', '1']);
  const failures = parseCsv(renderFailuresCsv(aggregate()));
  assert.deepEqual(failures[1], ['POST', '/plain', 'HTTP 400: "bad", really\nbad', '1']);
  const exceptions = parseCsv(renderExceptionsCsv(aggregate(), 'w1, w2'));
  assert.equal(exceptions[1][1], 'Error: boom, "quoted"');
  assert.match(exceptions[1][2], /report-csv\.test\.ts/);
  assert.equal(exceptions[1][3], 'w1, w2');
  assert.deepEqual(parseCsv(csvRow(['a"b', 'c,d', 'e\rf', 1.5, 2])), [['a"b', 'c,d', 'e\rf', '1.5', '2']]);
});

test('history rows: one Aggregated row per second, N/A for an empty second', () => {
  const rows = parseCsv(renderStatsHistoryCsv(aggregate(), 1_700_000_000_000));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[1].slice(0, 7), ['1700000001', '7', '', 'Aggregated', '101.000000', '1.000000', '50']);
  assert.deepEqual(rows[1].slice(17, 20), ['101', '1', '50']);
  assert.deepEqual(rows[2].slice(4, 7), ['0.000000', '0.000000', 'N/A']);
  assert.ok(rows.every((r) => r.length === 24));
});

test('writeCsvReports writes the four files with the prefix', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stampede-csv-'));
  try {
    const prefix = join(dir, 'run');
    const paths = await writeCsvReports(prefix, { aggregate: aggregate(), durationS: 2, startedAtMs: 0 });
    assert.deepEqual(paths, ['_stats.csv', '_stats_history.csv', '_failures.csv', '_exceptions.csv'].map((s) => prefix + s));
    for (const p of paths) assert.ok(parseCsv(await readFile(p, 'utf8')).length >= 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
