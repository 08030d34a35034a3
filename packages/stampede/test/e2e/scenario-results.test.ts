/**
 * Per-scenario results in the JSON report: two scenarios, each with its own user class and path on a counting
 * server; each scenario's row holds exactly the requests the server received on its path, and the rows add up to
 * the totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { runCli } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

const SCRIPT = `import { Counter, HttpUser, constant, task, type StampedeOptions } from 'stampede-load';
const reads = new Counter('reads');
export class Reader extends HttpUser {
  static waitTime = constant(0.01);
  @task async read() { await this.client.get('/a'); reads.add(1); }
}
export class Writer extends HttpUser {
  static waitTime = constant(0.01);
  @task async write() { await this.client.post('/b'); }
}
export const options: StampedeOptions = {
  scenarios: {
    reading: { executor: 'constantUsers', users: 2, userClasses: ['Reader'] },
    writing: { executor: 'constantArrivalRate', rate: 20, preAllocatedUsers: 2, userClasses: ['Writer'] },
  },
};
`;

test('the JSON report has each scenario: its requests, latency, iterations and custom metrics', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-scenarios-'));
  try {
    const file = path.join(dir, 'users.ts');
    writeFileSync(file, SCRIPT);
    const json = path.join(dir, 'r.json');
    const res = await runCli(['-f', file, '--headless', '-t', '2s', '--threads', '2', '--host', server.url, '--json', json, '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(report), []);
    const [reading, writing] = report.scenarios ?? [];
    assert.deepEqual([reading?.name, writing?.name], ['reading', 'writing']);
    assert.equal(reading!.requests, server.count('GET', '/a'));
    assert.equal(writing!.requests, server.count('POST', '/b'));
    assert.ok(reading!.requests > 10 && writing!.requests >= 30, `${reading!.requests} and ${writing!.requests}`);
    assert.equal(reading!.requests + writing!.requests, report.totals.requests);
    assert.equal(writing!.iterations.started, writing!.requests, 'one request per arrival-rate iteration');
    assert.equal(reading!.metrics?.[0]?.count, reading!.requests, 'the scenario has its own custom metrics');
    assert.equal(writing!.metrics, undefined);
    assert.ok(reading!.latency_ms.p50 > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});
