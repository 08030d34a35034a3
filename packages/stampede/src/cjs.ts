/**
 * The one way this package loads its CommonJS dependencies (esbuild, commander, undici, ajv, hdr-histogram-js):
 * `require`, never `import`. Importing CommonJS from an ES module makes Node 20 compile cjs-module-lexer's
 * WebAssembly, ~8 MiB of RSS for the rest of the run (issue 11 goal 3). Types still come from `import type`.
 */
import { createRequire } from 'node:module';

export const requireCjs = createRequire(import.meta.url);
