/**
 * Issue 4 "done when": a CI run of the Vertex AR users (suites/vertex-ar/users.ts) against the embedded API, at an
 * arrival rate, with a failing threshold, exits 1 and its JUnit file names the failed threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from 'vertex-ar';
import { validateReport } from '../../src/report/schema.ts';

const root = new URL('../../../../', import.meta.url).pathname;

test('Vertex AR users with a failing threshold: exit 1, JUnit names the threshold', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-vertex-gate-'));
  const server = await startServer({ dataDir: path.join(dir, 'data'), host: '127.0.0.1', port: 0 });
  try {
    const json = path.join(dir, 'r.json');
    const junit = path.join(dir, 'junit.xml');
    const config = path.join(dir, 'stampede.config.ts');
    writeFileSync(
      config,
      `import { defineConfig } from 'stampede-load';
export default defineConfig({
  thresholds: {
    'http_req_duration{name:/portraits}': ['p(95)<0.001'],
    http_req_failed: ['rate<0.01'],
  },
});
`,
    );
    const args = [
      'packages/stampede/bin/stampede.js', '-f', 'suites/vertex-ar/users.ts', '--config', config, '--headless',
      '--arrival-rate', '10', '-u', '10', '-t', '5s', '--threads', '2', '--host', server.url, '--json', json, '--junit', junit,
      '--only-summary', 'ReadOnlyUser', 'ApiStressTest',
    ];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('exit', (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    assert.equal(code, 1);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(validateReport(report), []);
    assert.equal(report.config.model, 'open');
    assert.deepEqual(report.thresholds.map((t: { metric: string; passed: boolean }) => [t.metric, t.passed]), [
      ['http_req_duration{name:/portraits}', false],
      ['http_req_failed', true],
    ]);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /name="http_req_duration\{name:\/portraits\} p\(95\)&lt;0\.001" time="0">\s*<failure message="http_req_duration\{name:\/portraits\} p\(95\)&lt;0\.001 failed: observed /);
    assert.match(xml, /name="http_req_failed rate&lt;0\.01" time="0">\s*<system-out>/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
