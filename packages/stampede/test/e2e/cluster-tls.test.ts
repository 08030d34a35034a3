/**
 * Distributed mode over TLS (issue 10: "password and TLS from the URL"): a master and a worker reach a redis-server
 * that speaks TLS only, through `rediss://` with a password, and run a test whose totals equal what the target
 * counted. The server's certificate comes from a throw-away CA that the processes trust through
 * NODE_EXTRA_CA_CERTS; without it they fail fast with one line that says how to fix it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JsonReport } from '../../src/report/report-types.ts';
import { validateReport } from '../../src/report/schema.ts';
import { makeTlsFiles, spawnStampede, startPasswordRedis } from '../fixtures/cluster-processes.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

const scripts = new URL('../fixtures/scripts', import.meta.url).pathname;

test('rediss:// with a password: master and worker run a test over TLS; an untrusted certificate fails fast', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-tls-'));
  const tls = makeTlsFiles(dir);
  const redis = await startPasswordRedis('tls-secret', tls);
  const server = await startCountingServer({ '/fast': { body: 'fast' } });
  const url = `rediss://:tls-secret@127.0.0.1:${redis.port}`;
  const namespace = `test-cluster-${randomBytes(6).toString('hex')}`;
  const json = path.join(dir, 'report.json');
  const trusted = { NODE_EXTRA_CA_CERTS: tls.ca };
  const masterArgs = [
    'master', '--redis', url, '--namespace', namespace, '--expect-workers', '1', '--expect-workers-timeout', '40s',
    '-f', path.join(scripts, 'counting-users.ts'), '--host', server.url, '--headless', '--only-summary',
    '-u', '2', '-r', '2', '-t', '3s', '--stop-timeout', '2s', '--json', json,
  ];
  try {
    // Not trusted: one line naming the certificate problem and the fix, exit 2, before waiting for anything.
    const untrusted = spawnStampede(masterArgs, {}, 30_000);
    assert.equal((await untrusted.exited).code, 2, untrusted.output());
    assert.equal(untrusted.lines.length, 1, untrusted.output());
    assert.match(untrusted.lines[0]!.text, /^stampede: cannot connect to Redis at rediss:\/\/.*certificate.* — .*NODE_EXTRA_CA_CERTS/);
    assert.doesNotMatch(untrusted.output(), /tls-secret/, 'the password is never printed');

    // rediss:// to a port that speaks plain Redis: one line, exit 2.
    const plain = await startPasswordRedis('tls-secret');
    try {
      const wrongPort = spawnStampede(['worker', '--redis', `rediss://:tls-secret@127.0.0.1:${plain.port}`, '--namespace', namespace], trusted, 30_000);
      assert.equal((await wrongPort.exited).code, 2, wrongPort.output());
      assert.match(wrongPort.output(), /^stampede: cannot connect to Redis at rediss:\/\/.* — .*redis:\/\//);
    } finally {
      await plain.stop();
    }

    const worker = spawnStampede(['worker', '--redis', url, '--namespace', namespace, '--threads', '1'], trusted);
    const master = spawnStampede(masterArgs, trusted);
    const { code } = await master.exited;
    assert.equal(code, 0, `${master.output()}\n--- worker\n${worker.output()}`);
    assert.equal((await worker.exited).code, 0, worker.output());
    const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(report), [], 'report matches the schema');
    assert.ok(report.totals.requests > 0, 'requests were made');
    assert.equal(report.totals.requests, server.total(), 'totals = what the target counted');
    assert.equal(report.workers?.length, 1);
  } finally {
    await server.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
