/**
 * Groups and request tags end to end: thresholds select a group's duration, the requests made inside a group
 * (nested ones too) and requests by their tags; the counts they observe equal what the counting server received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

const script = path.join(fixtureScripts, 'groups-tags-users.ts');

test('thresholds select groups, nested groups and request tags; their counts are what the server received', async () => {
  const server = await startCountingServer({ '/slow': { latencyMs: 20 } });
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-groups-'));
  try {
    const config = path.join(dir, 'groups.config.ts');
    writeFileSync(config, `export default { thresholds: {
      'group_duration{group:checkout}': ['count>0', 'med>=20'],
      'group_duration{group:checkout::pay}': ['count>0'],
      'http_reqs{group:checkout}': ['count>0'],
      'http_reqs{group:checkout::pay}': ['count>0'],
      'http_reqs{flow:buy}': ['count>0'],
      'http_req_duration{flow:browse,name:/other}': ['count>0'],
      'http_req_duration{group:checkout::pay}': ['med>=20'],
    } };\n`);
    const json = path.join(dir, 'r.json');
    const res = await runCli(['-f', script, '--config', config, '--headless', '-u', '3', '-r', '3', '-t', '2s', '--threads', '2', '--host', server.url, '--json', json, '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(report), []);
    const value = (metric: string, condition: string) => report.thresholds.find((t) => t.metric === metric && t.condition === condition)?.value;
    const fast = server.count('GET', '/fast');
    const slow = server.count('GET', '/slow');
    assert.ok(fast > 10, `expected load, got ${fast}`);
    assert.equal(value('http_reqs{flow:buy}', 'count>0'), fast);
    assert.equal(value('http_req_duration{flow:browse,name:/other}', 'count>0'), server.count('GET', '/other'));
    assert.equal(value('http_reqs{group:checkout::pay}', 'count>0'), slow);
    assert.equal(value('http_reqs{group:checkout}', 'count>0'), fast, 'the nested group has its own tag value');
    assert.equal(value('group_duration{group:checkout::pay}', 'count>0'), slow);
    // A checkout ends after its GET /fast: a stop in between leaves one /fast without a finished group per user.
    const groups = value('group_duration{group:checkout}', 'count>0')!;
    assert.ok(groups <= fast && groups >= fast - 3, `${groups} groups for ${fast} GET /fast`);
    assert.ok(report.thresholds.every((t) => t.passed), JSON.stringify(report.thresholds));
    assert.ok(report.metrics?.some((m) => m.name === 'group_duration' && m.tags.group === 'checkout'));
    // The report lists the tagged requests too: each (method, name, tags) with its own count.
    assert.deepEqual(report.tagged_requests?.map((r) => [r.method, r.name, JSON.stringify(r.tags), r.requests]), [
      ['GET', '/fast', '{"flow":"buy","group":"checkout"}', fast],
      ['GET', '/other', '{"flow":"browse"}', server.count('GET', '/other')],
      ['GET', '/slow', '{"group":"checkout::pay"}', slow],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('a threshold on a tag no request carries measures nothing and fails (exit 1)', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-groups-'));
  try {
    const config = path.join(dir, 'none.config.ts');
    writeFileSync(config, `export default { thresholds: { 'http_req_duration{flow:nowhere}': ['p(95)<1000'] } };\n`);
    const res = await runCli(['-f', script, '--config', config, '--headless', '-u', '1', '-t', '1s', '--host', server.url, '--only-summary']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /FAIL {2}http_req_duration\{flow:nowhere\} p\(95\)<1000 {2}\(observed nothing: no samples\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});
