import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpUser, User, loadScript, distributeUsers, compileTaskPlan, createTagFilter } from '../../src/internals.ts';

const testDir = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(testDir, '../fixtures');
const hiddenBundles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.stampede-'));

test('loadScript bundles a script with a local helper; stampede stays one copy (instanceof holds)', async () => {
  const result = await loadScript('scripts/basic-http-user.ts', { cwd: fixtures });
  const names = result.classes.map((c) => c.name).sort();
  assert.deepEqual(names, ['Auditor', 'Shopper']);
  const shopper = result.classes.find((c) => c.name === 'Shopper')!;
  assert.ok(shopper.prototype instanceof HttpUser);
  assert.ok(result.classes.find((c) => c.name === 'Auditor')!.prototype instanceof User);
  assert.deepEqual(compileTaskPlan(shopper).entries.map((e) => `${e.name}:${e.weight}`), ['browse:3', 'view:1']);
  assert.deepEqual(compileTaskPlan(shopper, createTagFilter('write')).entries.map((e) => e.name), ['view']);
  assert.deepEqual(Object.fromEntries([...distributeUsers(result.classes, 4).counts].map(([c, n]) => [c.name, n])), {
    Auditor: 1, Shopper: 3,
  });
  // The hidden bundle was written next to the script and deleted after import.
  assert.equal(path.dirname(result.bundlePath), path.join(fixtures, 'scripts'));
  assert.match(path.basename(result.bundlePath), /^\.stampede-[0-9a-f-]+\.mjs$/);
  assert.equal(existsSync(result.bundlePath), false);
});

test('keepBundle keeps the built module until dispose()', async () => {
  const result = await loadScript(path.join(fixtures, 'scripts/basic-http-user.ts'), { keepBundle: true, picks: ['Shopper'] });
  assert.deepEqual(result.classes.map((c) => c.name), ['Shopper']);
  assert.equal(existsSync(result.bundlePath), true);
  result.dispose();
  result.dispose();
  assert.equal(existsSync(result.bundlePath), false);
});

test('a syntax error is STAMPEDE_ERR_SCRIPT with file:line:col from esbuild', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-load-'));
  try {
    writeFileSync(path.join(dir, 'broken.ts'), "import { User, task } from 'stampede-load';\n\nexport class B extends User {\n  @task go() { return 1 +; }\n}\n");
    await assert.rejects(loadScript('broken.ts', { cwd: dir }), (e: any) => {
      assert.equal(e.code, 'STAMPEDE_ERR_SCRIPT');
      assert.match(e.message, /^broken\.ts:4:26: Unexpected ";"/);
      assert.ok(e.hint);
      return true;
    });
    assert.deepEqual(hiddenBundles(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a script outside the repository still gets our stampede; a missing package points at the import', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-load-'));
  try {
    writeFileSync(path.join(dir, 'ok.ts'), "import { User, task } from 'stampede-load';\nexport class Lone extends User {\n  @task go() {}\n}\n");
    const ok = await loadScript('ok.ts', { cwd: dir });
    assert.ok(ok.classes[0]!.prototype instanceof User);
    writeFileSync(path.join(dir, 'missing.ts'), "import { User } from 'stampede-load';\nimport nope from 'no-such-package-stampede-test';\nexport class M extends User {}\nvoid nope;\n");
    await assert.rejects(loadScript('missing.ts', { cwd: dir }), (e: any) => {
      assert.equal(e.code, 'STAMPEDE_ERR_SCRIPT');
      assert.match(e.message, /^missing\.ts:2:18: .*no-such-package-stampede-test/);
      return true;
    });
    assert.deepEqual(hiddenBundles(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a throw at import time is STAMPEDE_ERR_SCRIPT located in the original source', async () => {
  // The shared fixtures folder may hold bundles of CLI runs that other tests killed (SIGKILL runs no exit hook):
  // only this test's own must be gone.
  const before = new Set(hiddenBundles(path.join(fixtures, 'scripts')));
  // Once with stack source maps on (tsx turns them on), once off: our own map lookup on the bundle frame.
  for (const sourceMaps of [true, false]) {
    process.setSourceMapsEnabled(sourceMaps);
    try {
      await assert.rejects(loadScript('scripts/throws-at-import.ts', { cwd: fixtures }), (e: any) => {
        assert.equal(e.code, 'STAMPEDE_ERR_SCRIPT');
        assert.equal(e.message, 'scripts/throws-at-import.ts:6:9: STAMPEDE_TEST_NEVER_SET_TOKEN is required');
        return true;
      });
    } finally {
      process.setSourceMapsEnabled(true);
    }
  }
  assert.deepEqual(hiddenBundles(path.join(fixtures, 'scripts')).filter((f) => !before.has(f)), []);
});
