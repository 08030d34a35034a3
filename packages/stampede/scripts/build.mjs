#!/usr/bin/env node
// Builds dist/: every module of src/ compiled to plain JavaScript beside a copy of src/ (run by `npm ci` through the
// root `prepare` script). The bin runs dist/cli/main.mjs when it is current, so a run loads no TypeScript loader:
// tsx costs a loader thread and its transform caches, ~30 MiB of a 1,000-user run (issue #11, goal 3).
//
// One output file per source module, at the same place (src/a/b.ts → dist/a/b.mjs), importing its siblings' .mjs:
// every `new URL(..., import.meta.url)` (the report schema, the UI sources built at run time, ../index, the suites
// directory) resolves exactly as it does from src/. The copy of src/ supplies those assets, the browser sources and
// the .ts entries that worker threads still load through tsx (quick-worker.ts).
import { build } from 'esbuild';
import { cpSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceState } from './dist-state.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, 'src');
const out = path.join(root, 'dist');

function modules(dir, list = []) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    // ui/ holds browser code, bundled for the page at run time.
    if (statSync(file).isDirectory()) {
      if (name !== 'ui') modules(file, list);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) list.push(file);
  }
  return list;
}

const state = sourceState(src);
rmSync(out, { recursive: true, force: true });
cpSync(src, out, { recursive: true });
// Relative imports stay imports of the sibling module's output: one copy of each module, as under tsx.
const siblings = {
  name: 'siblings',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (a) => (a.kind === 'entry-point' ? undefined : { path: a.path.replace(/\.ts$/, '.mjs'), external: true }));
  },
};
await build({
  entryPoints: modules(src),
  outbase: src,
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  plugins: [siblings],
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
// Written last: a build that failed half-way leaves no stamp, and the bin keeps using tsx.
writeFileSync(path.join(out, 'build-stamp.json'), `${JSON.stringify(state)}\n`);
