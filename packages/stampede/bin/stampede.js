#!/usr/bin/env node
// The `stampede` command runs the built JavaScript in dist/. In a source checkout (src/ beside it) dist/ is rebuilt
// first whenever it does not match the sources, so an edit is never run stale.
import { existsSync } from 'node:fs';

if (existsSync(new URL('../src/', import.meta.url))) {
  const { ensureBuilt } = await import('../scripts/dist-state.mjs');
  await ensureBuilt();
}
await import('../dist/cli/main.js');
