/** Issue 6: `stampede suite` usage errors answer with one line and exit 2 before anything starts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const root = new URL('../../../../', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, ['packages/stampede/bin/stampede.js', 'suite', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

test('an unknown suite is a usage error naming the suites directory', () => {
  const r = cli('no-such-suite');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown suite 'no-such-suite'/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('an unknown profile is a usage error listing the profiles', () => {
  const r = cli('vertex-ar', '--profile', 'extreme');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /baseline, load, stress, endurance/);
});

test('a bad --duration is a usage error', () => {
  const r = cli('vertex-ar', '--duration', 'forever');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--duration/);
});

test('a bad --option is a usage error with one line, before anything starts', () => {
  for (const [option, message] of [['nope=1', /unknown --option 'nope'/], ['postgres=mysql://x/y', /--option postgres must be/], ['storage-s3=ftp://bucket', /--option storage-s3 must be an http/], ['novalue', /--option must be KEY=VALUE/]] as const) {
    const r = cli('vertex-ar', '--option', option);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('an unreachable --target aborts with exit 3', () => {
  const r = cli('vertex-ar', '--target', 'http://127.0.0.1:9', '--quick', '--report-dir', '/tmp/vertex-suite-unreachable');
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /target not healthy/);
});
