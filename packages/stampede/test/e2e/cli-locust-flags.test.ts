/**
 * Locust's command line, honestly (issue #18): several -f, comma lists and directories of user files, -T/-E with
 * spaces or commas, -l, -s, -P, --csv-full-history, --reset-stats, --autostart/--autoquit — and every Locust flag
 * Stampede does not take refused with exit 2 and the equivalent, before anything is sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { startHangingServer } from '../fixtures/misbehaving-servers.ts';

const counting = path.join(fixtureScripts, 'counting-users.ts');

/** A user class `name` whose one task GETs `/name`, tagged `tag`. */
function userFile(name: string, tag = 'read'): string {
  return `import { HttpUser, constant, tag, task } from 'stampede-load';
export class ${name} extends HttpUser {
  static override waitTime = constant(0.01);
  @tag('${tag}') @task async go() { await this.client.get('/${name}'); }
}
`;
}

/** A directory of user files (and files -f DIR must skip). */
function userDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-users-'));
  writeFileSync(path.join(dir, 'a.ts'), userFile('Alpha'));
  writeFileSync(path.join(dir, 'b.ts'), userFile('Beta', 'write'));
  writeFileSync(path.join(dir, '_private.ts'), userFile('Underscored'));
  writeFileSync(path.join(dir, '.hidden.ts'), userFile('Hidden'));
  writeFileSync(path.join(dir, 'c.test.ts'), userFile('Tested'));
  writeFileSync(path.join(dir, 'd.d.ts'), 'export declare const x: number;\n');
  return dir;
}

/** Class names of an -l listing. */
function listed(stdout: string): string[] {
  return [...stdout.matchAll(/^ {4}(\w+) \(/gm)].map((m) => m[1]!);
}

test('-f a -f b, -f a,b and -f DIR run every file\'s user classes together', async () => {
  const dir = userDir();
  const a = path.join(dir, 'a.ts');
  const b = path.join(dir, 'b.ts');
  for (const args of [['-f', a, '-f', b], ['-f', `${a},${b}`], ['-f', dir]]) {
    const res = await runCli([...args, '-l']);
    assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
    assert.deepEqual(listed(res.stdout), ['Alpha', 'Beta'], `${args.join(' ')}: ${res.stdout}`);
  }
  const server = await startCountingServer();
  try {
    const json = path.join(dir, 'r.json');
    const res = await runCli(['-f', a, '-f', b, '--headless', '-u', '2', '-r', '2', '-t', '2s', '--host', server.url, '--json', json, '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')).config.user_classes, ['Alpha', 'Beta']);
    assert.ok(server.count('GET', '/Alpha') > 0 && server.count('GET', '/Beta') > 0, JSON.stringify(server.counts()));
  } finally {
    await server.close();
  }
});

test('two user files with different classes of one name are refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-users-'));
  writeFileSync(path.join(dir, 'a.ts'), userFile('Same'));
  writeFileSync(path.join(dir, 'b.ts'), userFile('Same'));
  const res = await runCli(['-f', dir, '-l']);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /two user classes are named Same/);
});

test('-l lists the user classes and their tasks; -T/-E take spaces or commas', async () => {
  const dir = userDir();
  const full = await runCli(['-f', counting, '-l']);
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /^ {4}Counter \(weight 1\)$/m);
  assert.match(full.stdout, /^ {8}fast \(weight 3, 75\.0 %\)$/m);
  assert.match(full.stdout, /^ {8}item \(weight 1, 25\.0 %\)$/m);
  for (const tags of [['-T', 'read', 'write'], ['-T', 'read,write'], ['-T', 'read', '-T', 'write']]) {
    const res = await runCli(['-f', dir, ...tags, '-l']);
    assert.equal(res.code, 0, `${tags.join(' ')}: ${res.stderr}`);
    assert.deepEqual(listed(res.stdout), ['Alpha', 'Beta'], tags.join(' '));
  }
  const onlyRead = await runCli(['-f', dir, '-T', 'read', '-l']);
  assert.deepEqual(listed(onlyRead.stdout), ['Alpha']);
  const excluded = await runCli(['-f', dir, '-E', 'read', 'write', '--', 'Alpha', 'Beta']);
  assert.equal(excluded.code, 2, 'every task excluded: nothing to run');
  // USER_CLASS after -T needs `--`.
  const picked = await runCli(['-f', dir, '-T', 'read', 'write', '-l', '--', 'Beta']);
  assert.deepEqual(listed(picked.stdout), ['Beta']);
});

test('-s takes Locust\'s plain seconds: the stop waits 1 s for a hanging request, not the default 10 s', async () => {
  const server = await startHangingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-e2e-'));
  try {
    const json = path.join(dir, 'r.json');
    const res = await runCli(['-f', counting, '--headless', '-u', '1', '-r', '1', '-t', '1s', '-s', '1', '--host', server.url, '--json', json, '--abort-after-failures', '0', '--only-summary']);
    assert.notEqual(res.code, 2, res.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(report.duration_s < 9, `the stop waited ${report.duration_s}s`);
    const bad = await runCli(['-f', counting, '--headless', '-s', '10x', '--host', server.url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid --stop-timeout '10x'/);
  } finally {
    await server.close();
  }
});

test('--csv-full-history writes a row per second for every name, not only Aggregated', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-e2e-'));
  try {
    const res = await runCli(['-f', counting, '--headless', '-u', '2', '-r', '2', '-t', '2.5s', '--host', server.url, '--csv', path.join(dir, 'run'), '--csv-full-history', '--only-summary']);
    assert.equal(res.code, 0, res.stderr);
    const rows = readFileSync(path.join(dir, 'run_stats_history.csv'), 'utf8').trim().split('\r\n').slice(1).map((l) => l.split(','));
    const names = (name: string) => rows.filter((r) => r[3] === name);
    assert.ok(names('Aggregated').length >= 2, 'a row per second');
    assert.equal(names('/fast').length, names('Aggregated').length);
    assert.equal(names('/items/:id').length, names('Aggregated').length);
    assert.equal(names('/fast')[0]![2], 'GET');
    // The last rows hold the totals: the names' counts add up to Aggregated's.
    const total = (name: string) => Number(names(name).at(-1)![17]);
    assert.equal(total('/fast') + total('/items/:id'), total('Aggregated'));
    assert.equal(total('Aggregated'), server.total());
  } finally {
    await server.close();
  }
});

test('--reset-stats forgets what was recorded during the ramp-up', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-e2e-'));
  try {
    const json = path.join(dir, 'r.json');
    // Users at 0 and 2 s: the first user's requests of the first two seconds are forgotten (two, not one: a user
    // thread that boots slowly on a busy machine must still have sent some before the ramp completes).
    const res = await runCli(['-f', counting, '--headless', '-u', '2', '-r', '0.5', '-t', '4s', '--host', server.url, '--json', json, '--reset-stats']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /statistics reset \(--reset-stats\)/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(report.totals.requests > 0 && report.totals.requests < server.total(), `${report.totals.requests} of ${server.total()}`);
  } finally {
    await server.close();
  }
});

/** A free loopback port (bound, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

test('--autostart starts the web UI\'s test at once, --autoquit ends the process after it; -P is --web-port', async () => {
  const server = await startCountingServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-e2e-'));
  try {
    const port = await freePort();
    const json = path.join(dir, 'r.json');
    const res = await runCli(['-f', counting, '-P', String(port), '--autostart', '--autoquit', '1', '-u', '2', '-r', '2', '-t', '2s', '--host', server.url, '--json', json], { timeoutMs: 60_000 });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`Web UI: http://127\\.0\\.0\\.1:${port}`));
    assert.match(res.stderr, /quitting in 1s \(--autoquit\)/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(report.partial, false);
    assert.equal(report.totals.requests, server.total());
    assert.ok(server.total() > 0);
    const lonely = await runCli(['-f', counting, '--autoquit', '1', '--host', server.url]);
    assert.equal(lonely.code, 2);
    assert.match(lonely.stderr, /--autoquit needs --autostart/);
  } finally {
    await server.close();
  }
});

test('Locust flags Stampede does not take are refused with exit 2 and the equivalent, nothing sent', async () => {
  const server = await startCountingServer();
  try {
    const cases: [string[], RegExp][] = [
      [['--processes', '4'], /--processes .* — use --threads/],
      [['--master-bind-host', '0.0.0.0'], /--master-bind-host .* — none: .*Redis/],
      [['--expect-workers', '2'], /stampede master --expect-workers/],
      [['--web-login'], /--web-auth/],
      [['--tls-cert', 'c.pem'], /--tls-cert .* — none/],
      [['--logfile', 'x.log'], /stderr/],
      [['-i', '10'], /--iterations .* — none/],
      [['--step-load'], /--stages/],
      [['--no-web'], /--headless/],
      [['--class-picker'], /--class-picker/],
      [['--modern-ui'], /--modern-ui/],
      [['--skip-log-setup'], /--skip-log-setup/],
      [['--heartbeat-liveness', '3'], /--heartbeat-liveness/],
      [['--show-task-ratio'], /-l\/--list/],
      [['--json', '--only-summary'], /--json needs a file name/],
    ];
    for (const [flags, pattern] of cases) {
      const res = await runCli(['-f', counting, '--headless', '-t', '1s', '--host', server.url, ...flags]);
      assert.equal(res.code, 2, `${flags.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, pattern, flags.join(' '));
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    }
    assert.equal(server.total(), 0);
  } finally {
    await server.close();
  }
});
