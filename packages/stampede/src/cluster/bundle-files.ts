/**
 * The script travels from the master to the workers as one esbuild bundle plus its sha256, so every worker runs
 * the same code, the script's local imports included. The bundle imports `stampede` by the absolute URL of the
 * master's copy; a worker rewrites that one specifier to its own copy (one copy of our classes per process, so
 * `instanceof HttpUser` holds) and resolves npm packages the script imports from its own installation.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterError } from './errors.ts';
import { SELF_ENTRIES, SELF_ENTRY } from '../self-import.ts';

/** URL of this package's entry, the specifier load-script.ts gives `stampede-load` in a bundle. */
export const STAMPEDE_ENTRY = SELF_ENTRY;

/** sha256 of a bundle text, hex. */
export function bundleHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads the bundle the master built; its hash goes in the workers' init message. */
export function readBundle(bundlePath: string): { text: string; hash: string } {
  const text = readFileSync(bundlePath, 'utf8');
  return { text, hash: bundleHash(text) };
}

/** The node_modules directory this package is installed in (the script's npm imports resolve from it). */
function ownNodeModules(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(path.join(candidate, 'ioredis'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A bundle written for this worker's threads to import; dispose() deletes its directory. */
export interface WorkerBundle {
  path: string;
  dispose(): void;
}

/**
 * Checks `text` against `expectedHash`, points its `stampede` import at this process's copy and writes it to a
 * fresh temporary directory whose node_modules links to ours.
 */
export function writeWorkerBundle(text: string, expectedHash: string, masterEntry: string): WorkerBundle {
  const actual = bundleHash(text);
  if (actual !== expectedHash) {
    throw new ClusterError(
      'STAMPEDE_ERR_CLUSTER_BUNDLE',
      `script bundle hash mismatch (expected ${expectedHash.slice(0, 12)}, got ${actual.slice(0, 12)})`,
      'restart the master: two masters may share this --namespace',
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-worker-'));
  const nodeModules = ownNodeModules();
  if (nodeModules) symlinkSync(nodeModules, path.join(dir, 'node_modules'), 'dir');
  const file = path.join(dir, `script-${actual.slice(0, 16)}.mjs`);
  writeFileSync(file, ownEntries(text, masterEntry));
  return { path: file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The bundle with the master's package entries (its main entry, and the subpaths beside it, named like it: src/*.ts
 * or dist/*.js) replaced by this process's own.
 */
function ownEntries(text: string, masterEntry: string): string {
  if (masterEntry === STAMPEDE_ENTRY) return text;
  const ownBase = STAMPEDE_ENTRY.slice(0, STAMPEDE_ENTRY.lastIndexOf('/') + 1);
  const ownExt = path.extname(STAMPEDE_ENTRY);
  const masterBase = masterEntry.slice(0, masterEntry.lastIndexOf('/') + 1);
  const masterExt = path.extname(masterEntry);
  let out = text;
  for (const own of Object.values(SELF_ENTRIES)) {
    const master = masterBase + own.slice(ownBase.length, own.length - ownExt.length) + masterExt;
    out = out.split(master).join(own);
  }
  return out;
}
