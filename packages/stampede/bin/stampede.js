#!/usr/bin/env node
// Shim: runs dist/cli/main.mjs — plain JavaScript that `npm ci` builds (bin/build.mjs, the root `prepare` script) —
// when it matches src/; otherwise (no build, an edited source, STAMPEDE_TSX=1) registers tsx and runs the
// TypeScript sources, so the bin works straight after `npm ci` either way. See dist-state.mjs.
import { builtMain } from './dist-state.mjs';

const built = builtMain(process.argv.slice(2), process.env);
if (built) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
