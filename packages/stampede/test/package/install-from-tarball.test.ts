// Issue #18: Stampede as a stranger installs it. The package is packed (`npm pack`, which builds dist/ with its
// declarations), installed from the tarball into a fresh project outside the repository (dependencies from the
// registry or the npm cache), and used there as its README says: init, the consumer's own tsc, a headless run of
// the starter against the Vertex AR API, quick, report, compare, and imports of the package from ESM and CJS.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEmbeddedApi, type EmbeddedApi } from '../../../../suites/vertex-ar/embedded-api.ts';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = path.resolve(packageDir, '../..');
const packageJson = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in the consumer project with a clean environment: nothing of the repository's set-up leaks in. */
function sh(cwd: string, cmd: string, args: string[], timeoutMs = 300_000): Promise<Run> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    npm_config_cache: process.env.npm_config_cache,
    CI: process.env.CI,
    ADMIN_USERNAME: undefined,
  };
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function expectOk(r: Run, what: string): void {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`);
}

function duBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

let work: string;
let consumer: string;
let tarball: string;
let api: EmbeddedApi;

before(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'stampede-package-'));
  consumer = path.join(work, 'consumer');
  const packed = await sh(packageDir, 'npm', ['pack', '--json', '--pack-destination', work]);
  expectOk(packed, 'npm pack');
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }>; size: number; unpackedSize: number }>;
  tarball = path.join(work, info[0]!.filename);
  const files = info[0]!.files.map((f) => f.path);
  // Compiled JavaScript and declarations only: no sources, no tests.
  assert.deepEqual(files.filter((f) => /(^|\/)test\/|\.test\.|(?<!\.d)\.ts$|^src\//.test(f)), []);
  assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts') && files.includes('bin/stampede.js'));
  const tarBytes = statSync(tarball).size;
  console.log(`# tarball ${(tarBytes / 1024).toFixed(0)} KiB (${files.length} files, ${(info[0]!.unpackedSize / 1024).toFixed(0)} KiB unpacked)`);

  await sh(work, 'mkdir', ['consumer']);
  writeFileSync(path.join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }, null, 2)}\n`);
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  // The versions this repository uses, so the npm cache that `npm ci` filled serves them.
  const ts = lock.packages['node_modules/typescript']!.version;
  const nodeTypes = lock.packages['node_modules/@types/node']!.version;
  const installed = await sh(consumer, 'npm', ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', tarball, `typescript@${ts}`, `@types/node@${nodeTypes}`]);
  expectOk(installed, 'npm install of the tarball');
  const nm = path.join(consumer, 'node_modules');
  console.log(`# consumer node_modules ${(duBytes(nm) / 1024 / 1024).toFixed(1)} MiB with typescript and @types/node, ${((duBytes(nm) - duBytes(path.join(nm, 'typescript')) - duBytes(path.join(nm, '@types'))) / 1024 / 1024).toFixed(1)} MiB without`);
  api = await startEmbeddedApi({ admin: { username: 'admin', password: 'package test password' }, env: { PATH: process.env.PATH } });
});

after(async () => {
  await api?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the installed project holds no tsx and nothing of the repository', () => {
  assert.equal(existsSync(path.join(consumer, 'node_modules', 'tsx')), false);
  const installed = path.join(consumer, 'node_modules', packageJson.name);
  assert.equal(existsSync(path.join(installed, 'src')), false);
  assert.doesNotMatch(readFileSync(path.join(installed, 'package.json'), 'utf8'), /src\//);
  assert.ok(!path.resolve(consumer).startsWith(repoRoot));
});

test('npx stampede --version prints the package version', async () => {
  const r = await sh(consumer, 'npx', ['stampede', '--version']);
  expectOk(r, '--version');
  assert.equal(r.stdout.trim(), packageJson.version);
});

test('init, the consumer tsc, a headless run with every report, quick, report, compare and imports', async (t) => {
  await t.test('init writes the starter and refuses to overwrite it', async () => {
    const r = await sh(consumer, 'npx', ['stampede', 'init']);
    expectOk(r, 'init');
    for (const f of ['users.ts', 'stampede.config.ts', 'tsconfig.json', '.github/workflows/load-test.yml']) assert.ok(existsSync(path.join(consumer, f)), f);
    const again = await sh(consumer, 'npx', ['stampede', 'init']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exist/);
  });

  await t.test("the consumer's tsc type-checks the starter with no extra flags", async () => {
    expectOk(await sh(consumer, 'npx', ['tsc', '--noEmit']), 'tsc --noEmit');
    // A type error in the users is caught by the same command: the types are real, not any.
    writeFileSync(path.join(consumer, 'broken.ts'), "import { HttpUser } from 'stampede-load';\nexport class B extends HttpUser { async t() { await this.client.get(42); } }\n");
    const broken = await sh(consumer, 'npx', ['tsc', '--noEmit']);
    rmSync(path.join(consumer, 'broken.ts'));
    assert.equal(broken.code, 2, broken.stdout);
    assert.match(broken.stdout, /broken\.ts\(2,.*TS2345/);
  });

  await t.test('a headless run of the starter against the Vertex AR API writes JSON, CSV and HTML', async () => {
    const r = await sh(consumer, 'npx', ['stampede', '-f', 'users.ts', '--headless', '-u', '2', '-r', '2', '-t', '4s', '--host', api.url, '--json', 'r.json', '--csv', 'run', '--html', 'r.html', '--only-summary']);
    expectOk(r, 'headless run');
    const report = JSON.parse(readFileSync(path.join(consumer, 'r.json'), 'utf8')) as { tool: string; totals: { requests: number; failures: number } };
    assert.equal(report.tool, 'stampede');
    assert.ok(report.totals.requests >= 6, `requests ${report.totals.requests}`);
    assert.equal(report.totals.failures, 0);
    const stats = readFileSync(path.join(consumer, 'run_stats.csv'), 'utf8');
    for (const name of ['/auth/login', '/auth/register', '/clients']) assert.ok(stats.includes(name), name);
    assert.match(readFileSync(path.join(consumer, 'r.html'), 'utf8'), /^<!doctype html>/i);
  });

  await t.test('the config file runs with its thresholds', async () => {
    const withHost = await sh(consumer, 'npx', ['stampede', '--config', 'stampede.config.ts', '--host', api.url, '-u', '1', '-t', '2s', '--only-summary']);
    expectOk(withHost, 'config run');
    assert.match(withHost.stdout, /PASS {2}http_req_failed rate<0\.01/);
  });

  await t.test('quick, report and compare', async () => {
    expectOk(await sh(consumer, 'npx', ['stampede', 'quick', `${api.url}/health/live`, '-c', '2', '-d', '1s', '--json', 'q.json']), 'quick');
    expectOk(await sh(consumer, 'npx', ['stampede', 'report', 'r.json', '--html', 'again.html']), 'report');
    assert.ok(statSync(path.join(consumer, 'again.html')).size > 10_000);
    // A few seconds of run compared with itself: nothing changed, but too short to tell a 20 % change (exit 6).
    const compared = await sh(consumer, 'npx', ['stampede', 'compare', 'r.json', 'r.json']);
    assert.equal(compared.code, 6, `compare exited ${compared.code}\nstdout: ${compared.stdout}\nstderr: ${compared.stderr}`);
    assert.match(compared.stdout, /unchanged/);
    assert.match(compared.stdout, /inconclusive/i);
  });

  await t.test('the package imports from an .mjs file and from CommonJS', async () => {
    writeFileSync(path.join(consumer, 'use.mjs'), "import { HttpUser, between, task } from 'stampede-load';\nconsole.log(typeof HttpUser, typeof between(1, 2), typeof task);\n");
    const esm = await sh(consumer, 'node', ['use.mjs']);
    expectOk(esm, 'ESM import');
    assert.equal(esm.stdout.trim(), 'function function function');
    const cjs = await sh(consumer, 'node', ['-e', "const s = require('stampede-load'); console.log(typeof s.HttpUser)"]);
    expectOk(cjs, 'require');
    assert.equal(cjs.stdout.trim(), 'function');
  });
});
