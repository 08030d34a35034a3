// Whether dist/ (built by build.mjs) matches src/, so the bin may run it instead of the TypeScript through tsx.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** How many files src/ holds and the newest modification time among them: any edit, addition or removal changes it. */
export function sourceState(dir) {
  const state = { files: 0, newestMtimeMs: 0 };
  (function walk(d) {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else {
        state.files++;
        state.newestMtimeMs = Math.max(state.newestMtimeMs, statSync(file).mtimeMs);
      }
    }
  })(dir);
  return state;
}

// Commands that import TypeScript from outside this package (the suites import `stampede` from its sources) or
// whose processes are driven as a fleet (master/worker) keep running under tsx.
const tsxCommands = new Set(['suite', 'master', 'worker']);

/** URL of dist/cli/main.mjs when it is current and fits these arguments; undefined → run the sources under tsx. */
export function builtMain(argv, env) {
  if (env.STAMPEDE_TSX === '1') return undefined;
  if (tsxCommands.has(argv.find((a) => !a.startsWith('-')) ?? '')) return undefined;
  const stamp = path.join(root, 'dist', 'build-stamp.json');
  if (!existsSync(stamp)) return undefined;
  try {
    const built = JSON.parse(readFileSync(stamp, 'utf8'));
    const now = sourceState(path.join(root, 'src'));
    if (built.files !== now.files || built.newestMtimeMs !== now.newestMtimeMs) return undefined;
  } catch {
    return undefined;
  }
  return pathToFileURL(path.join(root, 'dist', 'cli', 'main.mjs')).href;
}
