/**
 * Issue #18, item 7: every TypeScript sample of the guides (docs/writing-users.md, docs/from-locust.md,
 * docs/from-k6.md) and the README's first example is type-checked and run through the CLI against the Vertex AR API,
 * as a reader would run it. A sample passes when the run exits 0 with requests, every request name the code makes
 * is in the report, and nothing failed or threw. How a sample says otherwise: test/fixtures/doc-samples.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, type CliResult } from '../fixtures/cli-process.ts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { transform } from 'esbuild';
import { startServer } from 'vertex-ar';
import { extractSamples, requestNames, type DocSample } from '../fixtures/doc-samples.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const bin = path.join(root, 'packages/stampede/bin/stampede.js');
const DOCS = ['README.md', 'docs/writing-users.md', 'docs/from-locust.md', 'docs/from-k6.md'];
const DEFAULT_LOAD = ['-u', '2', '-r', '2', '-t', '2s'];

const byDoc = new Map(DOCS.map((doc) => [doc, extractSamples(doc, readFileSync(path.join(root, doc), 'utf8'))]));
const samples = [...byDoc.values()].flat();

type Run = CliResult;

/** A sample's run is 2-4 s of load: nothing here may outlive 90 s (runNode's bound). */
const spawnNode = (args: string[], cwd: string): Promise<Run> => runNode(args, { cwd, env: { NO_COLOR: '1' } });

interface Endpoint {
  method: string;
  name: string;
  requests: number;
  failures: number;
}

/** Writes the sample where the CLI can run it; returns the CLI arguments that select it. */
function writeSample(sample: DocSample, dir: string): string[] {
  if (sample.kind === 'config') {
    writeFileSync(path.join(dir, 'users.ts'), sample.users!.code);
    writeFileSync(path.join(dir, 'stampede.config.ts'), sample.code);
    return ['--config', path.join(dir, 'stampede.config.ts')];
  }
  writeFileSync(path.join(dir, 'sample.ts'), sample.code);
  return ['-f', path.join(dir, 'sample.ts')];
}

async function runSample(sample: DocSample, host: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-doc-sample-'));
  try {
    const json = path.join(dir, 'out.json');
    const load = sample.args ?? DEFAULT_LOAD;
    // --seed: the same task picks every time, so a run of a few tasks always covers the same names.
    const args = [bin, ...writeSample(sample, dir), '--headless', ...load, '--seed', '1', '--host', host, '--json', json, '--only-summary'];
    const run = await spawnNode(args, dir);
    const context = `${sample.where}\nstderr: ${run.stderr}\nstdout: ${run.stdout}`;
    assert.equal(run.code, 0, `exit code of ${context}`);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(report.totals.requests > 0, `no request made by ${context}`);
    const endpoints = report.endpoints as Endpoint[];
    const seen = new Set(endpoints.flatMap((e) => [`${e.method} ${e.name}`, `* ${e.name}`]));
    const missing = sample.names.filter((n) => !seen.has(n));
    assert.deepEqual(missing, [], `${sample.where}: request names missing from the run: ${missing.join(', ')}\n${context}`);
    for (const name of sample.absent) assert.ok(!seen.has(name), `${name} should not run in ${context}`);
    const failed = endpoints.filter((e) => e.failures > 0).map((e) => `${e.method} ${e.name}: ${e.failures}`);
    assert.deepEqual(failed, [], `failed requests in ${context}\nerrors: ${JSON.stringify(report.errors)}`);
    assert.deepEqual(report.exceptions, [], `exceptions in ${context}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the guides and the README have samples, each with request names to look for', () => {
  for (const [doc, found] of byDoc) {
    assert.ok(found.some((s) => s.kind === 'run'), `${doc}: no runnable ts sample found`);
    for (const s of found) if (s.kind === 'run') assert.ok(s.names.length > 0, `${s.where}: no request name found`);
  }
  assert.equal(byDoc.get('README.md')!.length, 1, 'the README has one ts sample, its first example');
  // The name finder itself: `name` of the options wins, a JSON body's `name` is not an option.
  assert.deepEqual(
    requestNames("await this.client.post('/clients', { json: { name: 'Ada' } });\n" +
      "await user.client.get(`/c/${id}`, { headers: {}, name: '/c/:id' });\nawait this.client.get('/p?x=1');\n" +
      "await this.client.get(`/q/${id}`);\nawait this.measure('db', () => 1);\n"),
    ['POST /clients', 'GET /c/:id', 'GET /p', '* db'],
  );
});

test('every sample type-checks (strict, standard decorators) and every fragment parses', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-doc-types-'));
  try {
    const files: string[] = [];
    samples.forEach((s, i) => {
      if (s.kind === 'fragment') return;
      const sub = path.join(dir, `s${i}`);
      mkdirSync(sub);
      writeFileSync(path.join(sub, s.kind === 'config' ? 'stampede.config.ts' : 'users.ts'), s.code);
      if (s.kind === 'config') writeFileSync(path.join(sub, 'users.ts'), s.users!.code);
      files.push(path.join(sub, s.kind === 'config' ? 'stampede.config.ts' : 'users.ts'));
    });
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true,
        esModuleInterop: true, resolveJsonModule: true, allowImportingTsExtensions: true, experimentalDecorators: false,
        lib: ['ES2023', 'DOM'], types: ['node'], typeRoots: [path.join(root, 'node_modules/@types')],
        paths: { 'stampede-load': [path.join(root, 'packages/stampede/src/index.ts')] },
      },
      files,
    }));
    const tsc = await spawnNode([path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], dir);
    const where = (out: string) => out.replace(/s(\d+)\/\w+\.ts/g, (m, i: string) => `${samples[Number(i)]!.where} (${m})`);
    assert.equal(tsc.code, 0, where(tsc.stdout + tsc.stderr));
    for (const s of samples.filter((x) => x.kind === 'fragment')) {
      await transform(s.code, { loader: 'ts', sourcefile: s.where }).catch((error: Error) => assert.fail(error.message));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every sample runs against the Vertex AR API: exit 0, its request names, no failure', { concurrency: 2 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stampede-doc-api-'));
  const server = await startServer({ dataDir: path.join(dir, 'data'), host: '127.0.0.1', port: 0, logger: false });
  try {
    await Promise.all(samples.filter((s) => s.kind !== 'fragment').map((s) => t.test(s.where, () => runSample(s, server.url))));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
