/**
 * The database test of `stampede suite vertex-ar` on both engines: with `--option postgres=URL` it inserts the same
 * records through the repository layer one at a time and as one batch, on a fresh SQLite file and on a scratch
 * PostgreSQL database it creates on that server and drops afterwards, and reports both rates and the speed-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { POSTGRES } from 'vertex-ar/test/support/postgres.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const SERVER = process.env.VERTEX_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function scratchDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    return (await client.query("select datname from pg_database where datname like 'vertex_suite_%'")).rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

test('database-performance: batch vs one-at-a-time insert rates on SQLite and PostgreSQL', { skip: POSTGRES.skipReason, timeout: 150_000 }, async (ctx) => {
  const reports = mkdtempSync(path.join(tmpdir(), 'vertex-suite-db-'));
  const before = await scratchDatabases();
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['packages/stampede/bin/stampede.js', 'suite', 'vertex-ar', '--quick', '--only', 'database-performance', '--option', `postgres=${SERVER}`, '--report-dir', reports], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const kill = setTimeout(() => child.kill('SIGINT'), 120_000);
      child.on('exit', (code) => {
        clearTimeout(kill);
        if (code === 0) resolve(out);
        else reject(new Error(`exit ${code}\n${out}\n${err}`));
      });
    });
    const dir = /^report: (.+)\/report\.html/m.exec(stdout)![1]!;
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    const t = summary.tests.find((x: { name: string }) => x.name === 'database-performance');
    assert.equal(t.status, 'passed', t.reason);
    for (const engine of ['sqlite', 'postgres']) {
      const single = t.metrics[`${engine}_single_insert_per_s`];
      const batch = t.metrics[`${engine}_batch_insert_per_s`];
      assert.ok(single > 0 && batch > 0, `${engine}: single ${single}/s, batch ${batch}/s`);
      // One transaction of multi-row INSERTs against a statement (and a commit) per row: clearly faster.
      assert.ok(t.metrics[`${engine}_batch_speedup`] > 1, `${engine} speed-up ${t.metrics[`${engine}_batch_speedup`]}`);
      ctx.diagnostic(`${engine}: ${single} inserts/s one at a time, ${batch}/s batched (${t.metrics[`${engine}_batch_speedup`]}x)`);
    }
    assert.deepEqual(await scratchDatabases(), before, 'the scratch database is dropped');
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
});
