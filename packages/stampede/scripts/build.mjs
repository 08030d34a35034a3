#!/usr/bin/env node
// Builds dist/, what the package ships and the bin runs: every module of src/ compiled to plain JavaScript at the
// same place (src/a/b.ts → dist/a/b.js, importing its siblings' .js, so every `new URL(..., import.meta.url)`
// resolves as it does from src/), the assets those URLs name (the report schema, the worker boot file, the web UI's
// page, stylesheet and prebuilt script, the HTML report's client script), and with --types the .d.ts of every
// module. `npm ci` runs it through the root `prepare` script, `npm pack` through `prepack` (with --types).
// Usage: node scripts/build.mjs [--types] [--force]   (without --force, only when dist/ does not match src/)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, sourceState } from './dist-state.mjs';

const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

function files(dir, keep, list = []) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) files(file, keep, list);
    else if (keep(file)) list.push(file);
  }
  return list;
}

// ui/ folders hold browser code: built below into assets, never run by Node.
const isModule = (file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.split(path.sep).includes('ui');
const ASSETS = ['report/report-schema.json', 'runner/worker-boot.mjs', 'web/ui/index.html', 'web/ui/styles.css'];

// Relative imports stay imports of the sibling module's output: one copy of each module, as from the sources.
const siblings = {
  name: 'siblings',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (a) => (a.kind === 'entry-point' ? undefined : { path: a.path.replace(/\.ts$/, '.js'), external: true }));
  },
};

/** Rewrites the relative `.ts` specifiers tsc leaves in declarations to the `.js` files they describe. */
function fixDeclarations(out) {
  for (const file of files(out, (f) => f.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    const fixed = text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1$2.js$3');
    if (fixed !== text) writeFileSync(file, fixed);
  }
}

/**
 * Builds dist/ from src/; with `types`, also the declarations (tsc, ~10 s). The build goes to a folder of its own
 * that then replaces dist/ at once: CLI processes running from dist/ meanwhile never see it half-built or missing.
 */
export async function buildDist({ types }) {
  const state = { ...sourceState(), types };
  const out = `${dist}.build-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: files(src, isModule),
    outbase: src,
    outdir: out,
    bundle: true,
    packages: 'external',
    plugins: [siblings],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  for (const asset of ASSETS) {
    mkdirSync(path.dirname(path.join(out, asset)), { recursive: true });
    copyFileSync(path.join(src, asset), path.join(out, asset));
  }
  const { buildUiScript } = await import(pathToFileURL(path.join(out, 'web/ui-bundle.js')).href);
  writeFileSync(path.join(out, 'web/ui/app.js'), await buildUiScript(path.join(src, 'web/ui')));
  const { buildReportClient } = await import(pathToFileURL(path.join(out, 'report/html-assets.js')).href);
  mkdirSync(path.join(out, 'report/ui'), { recursive: true });
  writeFileSync(path.join(out, 'report/ui/report-client.js'), buildReportClient(path.join(src, 'report/ui/report-client.ts')));
  if (types) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'inherit' });
    fixDeclarations(out);
  }
  writeFileSync(path.join(out, 'build-stamp.json'), `${JSON.stringify(state)}\n`);
  const old = `${dist}.old-${process.pid}`;
  try {
    renameSync(dist, old);
  } catch {}
  renameSync(out, dist);
  rmSync(old, { recursive: true, force: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { ensureBuilt } = await import('./dist-state.mjs');
  await ensureBuilt({ types: process.argv.includes('--types'), force: process.argv.includes('--force'), buildDist });
}
