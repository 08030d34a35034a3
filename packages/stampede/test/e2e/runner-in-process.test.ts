/**
 * Issue #11 (goal 3, memory): a run of one user thread runs its users on the CLI's main thread, not in a worker.
 * What a worker would have contained must still be contained: errors that escape user code are counted and logged,
 * the run goes on and ends with its usual exit code and an exact report. (Exact counts, SIGINT/SIGTERM and a
 * saturating script with `--threads 1` are in cli-run.test.ts and reliability-cli-faults.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateReport } from '../../src/report/schema.ts';
import { runCli } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const scripts = path.join(root, 'packages/stampede/test/fixtures/in-process-scripts');


test('--threads 1: errors escaping user code are counted as exceptions and logged; the run goes on (exit 1 for the exceptions, issue #18), exact totals', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-in-process-'));
  const json = path.join(dir, 'r.json');
  try {
    const args = ['-f', path.join(scripts, 'escaping-users.ts'), '--headless', '-u', '2', '-r', '20', '-t', '2s', '--threads', '1'];
    const res = await runCli([...args, '--host', server.url, '--json', json, '--only-summary']);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /uncaught error in user code .*escaped rejection/);
    assert.match(res.stderr, /uncaught error in user code .*escaped throw/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(validateReport(report), []);
    const count = (text: string) => report.exceptions.filter((x: { message: string }) => x.message.includes(text)).reduce((n: number, x: { count: number }) => n + x.count, 0);
    // Each of the two users escapes once, on its third iteration.
    assert.equal(count('escaped rejection'), 2, JSON.stringify(report.exceptions));
    assert.equal(count('escaped throw'), 2, JSON.stringify(report.exceptions));
    assert.equal(report.totals.requests, server.total());
    assert.ok(report.totals.requests > 10, 'the users went on requesting after the escapes');
    assert.equal(report.partial, false);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
