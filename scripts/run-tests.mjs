#!/usr/bin/env node
// Runs every *.test.ts under the workspaces with node:test through tsx.
// Node 20 expands no globs and passes with zero files, so we list them ourselves and fail on an empty list.
// Usage: node scripts/run-tests.mjs [--tier unit|integration|e2e|browser|soak|observability|package] [filter-substring]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { ensureBuilt } from '../packages/stampede/scripts/dist-state.mjs';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages/stampede/test', 'apps/vertex-ar/test', 'suites/vertex-ar/test', 'bench/test'];
// Slow tiers run by their own npm scripts, not by `npm test`.
const tiers = ['unit', 'integration', 'e2e', 'browser', 'soak', 'observability', 'package'];
const slowTiers = new Set(['browser', 'soak', 'observability', 'package']);

const args = process.argv.slice(2);
let tier = null;
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--tier') tier = args[++i];
  else filters.push(args[i]);
}

function walk(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = roots.flatMap((r) => walk(join(root, r), []));
files = files.filter((f) => {
  const parts = f.split('/');
  const fileTier = parts.find((p) => tiers.includes(p)) ?? 'unit';
  if (tier) return fileTier === tier;
  return !slowTiers.has(fileTier);
});
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched; refusing to report success on zero tests');
  process.exit(1);
}
// Tests that spawn the CLI run the built dist/: build it once now rather than in the first of many CLIs at once.
await ensureBuilt();
console.log(`run-tests: ${files.length} files`);
// A soak test runs for STAMPEDE_SOAK_S (default 180 s) plus its set-up and stop: give it that, not the usual 3 min.
// The package tier packs and installs from the registry or the npm cache before its first test.
const testTimeoutMs = tier === 'soak' ? (Number(process.env.STAMPEDE_SOAK_S ?? 180) + 300) * 1000 : tier === 'package' ? 900000 : 180000;
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-timeout=${testTimeoutMs}`, '--test-force-exit', '--test-concurrency=2', ...files],
  { stdio: 'inherit', cwd: root },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
