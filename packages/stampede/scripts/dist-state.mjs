// Whether dist/ (built by build.mjs) matches src/; in a source checkout the bin rebuilds it when it does not.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const stampFile = path.join(root, 'dist', 'build-stamp.json');
const lockDir = path.join(root, '.dist-lock');

/** How many files src/ holds and the newest modification time among them and the build script: any edit changes it. */
export function sourceState() {
  const state = { files: 0, newestMtimeMs: statSync(path.join(root, 'scripts', 'build.mjs')).mtimeMs };
  (function walk(d) {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else {
        state.files++;
        state.newestMtimeMs = Math.max(state.newestMtimeMs, statSync(file).mtimeMs);
      }
    }
  })(path.join(root, 'src'));
  return state;
}

/** True when dist/ was built from the sources as they are now (and with declarations, when `types`). */
export function distCurrent({ types = false } = {}) {
  try {
    const built = JSON.parse(readFileSync(stampFile, 'utf8'));
    const now = sourceState();
    return built.files === now.files && built.newestMtimeMs === now.newestMtimeMs && (built.types || !types);
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Builds dist/ when it does not match src/. One build at a time across processes (a lock directory): tests start
 * many CLI processes at once, and each waits for the one build instead of racing it. A lock older than 2 minutes is
 * a crashed build's and is taken over.
 */
export async function ensureBuilt({ types = false, force = false, buildDist = undefined } = {}) {
  for (let forced = force; ; ) {
    if (!forced && distCurrent({ types })) return;
    try {
      mkdirSync(lockDir);
    } catch {
      const age = Date.now() - (statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(lockDir, { recursive: true, force: true });
      await sleep(100);
      continue;
    }
    try {
      if (forced || !distCurrent({ types })) {
        // build.mjs passes its own buildDist: importing it from its own top-level await would never settle.
        await (buildDist ?? (await import('./build.mjs')).buildDist)({ types });
      }
      forced = false;
    } finally {
      rmSync(lockDir, { recursive: true, force: true });
    }
  }
}


