/**
 * The repository stands on its own (issue #18, item 8): no file points at documents outside it, README and docs
 * hold no machine-specific paths and speak of the project rather than of how it was developed, and the JSON report
 * page names every field of the report's schema. Files are the repository's (`git ls-files`, tracked and new
 * unignored ones), read as they are on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Repository files, relative with `/`; undefined when git or the .git directory is missing (an unpacked tarball). */
function repoFiles(): string[] | undefined {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return [...new Set(r.stdout.split('\0').filter(Boolean))].sort();
}

/** Text of a file, or undefined for a binary or one deleted from the working tree. */
function readText(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(ROOT, file));
  } catch {
    return undefined;
  }
  return bytes.includes(0) ? undefined : bytes.toString('utf8');
}

/** `file:line: text` of every line matching one of `patterns`. */
function offendingLines(files: readonly string[], patterns: readonly RegExp[]): string[] {
  const hits: string[] = [];
  for (const file of files) {
    const text = readText(file);
    if (text === undefined) continue;
    text.split('\n').forEach((line, i) => {
      if (patterns.some((p) => p.test(line))) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 160)}`);
    });
  }
  return hits;
}

/** README files anywhere and everything under docs/. */
function isDoc(file: string): boolean {
  return file.startsWith('docs/') || path.posix.basename(file) === 'README.md';
}

// The workplace's design, style and stack notes live outside the repository, beside it; docs/architecture.md (lower
// case) is ours. The names are built from parts so that this file does not match itself (nor `grep -r` for them).
const OUTSIDE_REFERENCES = [new RegExp(`\\b${'ARCHI'}${'TECTURE'}\\b|\\b(?:${'STA'}CK|${'STY'}LE)\\.md\\b`), /\.\.\/shared(?![\w-])/];
// Paths of the machine the project was developed on, in prose and sample output.
const MACHINE_PATHS = [/(?:^|[^\w.~-])\/(?:work|root|home)\/\S/];
// Development history: "session 4", "in this session", "issue 11", "issue #11, goal 3".
const DEVELOPMENT_HISTORY = [/\bsessions? \d+/i, /\bthis session\b/i, /\bissues? #?\d+/i];

const files = repoFiles();
const skip = files === undefined ? 'not a git checkout' : false;

test('no file refers to documents outside the repository', { skip }, () => {
  const hits = offendingLines(files!, OUTSIDE_REFERENCES);
  assert.deepEqual(hits, [], 'point at docs/ instead: architecture.md, cli.md, json-report.md, exit-codes.md, api.md');
});

test('README and docs hold no machine-specific paths', { skip }, () => {
  const hits = offendingLines(files!.filter(isDoc), MACHINE_PATHS);
  assert.deepEqual(hits, [], 'use paths relative to the repository or to the current directory');
});

test('README and docs speak of the project, not of how it was developed', { skip }, () => {
  const hits = offendingLines(files!.filter(isDoc), DEVELOPMENT_HISTORY);
  assert.deepEqual(hits, [], 'state the fact (a bench run may be named by its date), not the session or issue it came from');
});

test('docs/json-report.md names every field of the report schema', () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'packages/stampede/src/report/report-schema.json'), 'utf8')) as unknown;
  const page = readFileSync(path.join(ROOT, 'docs/json-report.md'), 'utf8');
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const props = (node as { properties?: Record<string, unknown> }).properties;
    if (props) for (const key of Object.keys(props)) keys.add(key);
    for (const value of Object.values(node)) walk(value);
  };
  walk(schema);
  assert.ok(keys.size > 50, `only ${keys.size} keys found in the schema`);
  const missing = [...keys].filter((k) => !page.includes(`\`${k}\``));
  assert.deepEqual(missing, [], 'document these fields in docs/json-report.md');
});

test('the hygiene patterns catch what they are for', () => {
  // Samples built from parts, so this file does not match itself.
  const outside = ['see ', '..', '/shared/', 'ARCHI', 'TECTURE.md'].join('');
  assert.ok(OUTSIDE_REFERENCES.some((p) => p.test(outside)));
  assert.ok(OUTSIDE_REFERENCES.some((p) => p.test('(contract: ' + 'ARCHI' + 'TECTURE.md)')));
  assert.ok(!OUTSIDE_REFERENCES.some((p) => p.test('see docs/architecture.md')));
  assert.ok(OUTSIDE_REFERENCES.some((p) => p.test('off its target (' + 'STA' + 'CK.md "Timer precision")')));
  assert.ok(!OUTSIDE_REFERENCES.some((p) => p.test('the call stack of a task')));
  assert.ok(MACHINE_PATHS.some((p) => p.test('report: /' + 'work/main/performance_reports/x/report.html')));
  assert.ok(MACHINE_PATHS.some((p) => p.test('cd /' + 'root/project')));
  assert.ok(!MACHINE_PATHS.some((p) => p.test('report: performance_reports/x/report.html')));
  assert.ok(!MACHINE_PATHS.some((p) => p.test('npm run bench -- --out /tmp/x.json')));
  assert.ok(DEVELOPMENT_HISTORY.some((p) => p.test('met in ' + 'session 5')));
  assert.ok(DEVELOPMENT_HISTORY.some((p) => p.test('(' + 'issue #11, goal 3)')));
  assert.ok(!DEVELOPMENT_HISTORY.some((p) => p.test('each user has its own HttpSession; sessions keep cookies')));
});
