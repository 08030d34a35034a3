/**
 * The start-up reconciliation of storage with the database, so that a crash (`kill -9`, a power cut) never leaves a
 * file without its row nor a row without its file.
 *
 * Uploads write in this order: stage the bytes, insert the row (which names the key the staged bytes will get), then
 * commit the bytes under that key. So, after a crash:
 * - staged bytes no row names were cut before their row: removed;
 * - staged bytes a row names were cut between the row and the commit: committed now (the upload completes);
 * - a committed file no row names comes from a crash while deleting (rows go first) or from an older version: removed
 *   — unless the database names no file at all, which looks like the wrong database for this storage, so nothing is
 *   deleted and the count is logged;
 * - a row whose file is missing (and not staged) is kept and counted: the file may be on a storage that is not
 *   mounted, and deleting a customer's portrait is not a start-up's decision. Its `/files/<key>` answers 404.
 *
 * Committed files are listed before rows are read: a file listed then had its row inserted earlier, so a concurrent
 * upload by another process sharing the storage is never taken for an orphan.
 */
import type { Repositories } from '../db/repositories.ts';
import { hexOfKey, parseTempId, partsOfKey } from './keys.ts';
import type { Storage } from './storage.ts';

/** What one reconciliation did. */
export interface ReconcileReport {
  /** Staged uploads whose row existed: committed. */
  staged_committed: number;
  /** Staged uploads with no row: removed. */
  staged_removed: number;
  /** Committed files no row names: removed. */
  orphans_removed: number;
  /** Orphans left alone because the database names no file at all. */
  orphans_kept: number;
  /** Rows whose file is missing: kept. */
  rows_missing_files: number;
  /** Up to 10 of those keys, for the log. */
  missing_keys: string[];
}

/** Options of {@link reconcileStorage}. */
export interface ReconcileOptions {
  /**
   * Also sweep committed files and count rows without files. Only a process that starts alone on this storage does it
   * (the single server, or the cluster primary before it forks); a cluster worker replacing a dead one settles the
   * staged uploads of dead processes only.
   */
  full: boolean;
}

function isGone(err: unknown): boolean {
  const e = err as { code?: string; name?: string };
  return e.code === 'ENOENT' || e.name === 'NoSuchKey' || e.name === 'NotFound';
}

/** Brings storage and rows back in line after a crash; see the module comment for what is done to what. */
export async function reconcileStorage(storage: Storage, repos: Repositories, options: ReconcileOptions): Promise<ReconcileReport> {
  const report: ReconcileReport = { staged_committed: 0, staged_removed: 0, orphans_removed: 0, orphans_kept: 0, rows_missing_files: 0, missing_keys: [] };
  const staged = (await storage.listStaged()).filter((s) => s.abandoned);
  const files = options.full ? new Set(await storage.listKeys()) : undefined;
  if (staged.length === 0 && !files) return report;
  const referenced = await repos.storedKeys();
  const byHex = new Map(referenced.map((k) => [hexOfKey(k), k]));
  for (const entry of staged) {
    const object = { tempId: entry.tempId, sizeBytes: 0 };
    const key = byHex.get(parseTempId(entry.tempId)!.hex);
    try {
      // On S3 a commit is a copy then a delete: a crash between leaves both, and the copy is the one to keep.
      if (key && !(files ? files.has(key) : await storage.stat(key))) {
        const { kind, extension } = partsOfKey(key);
        await storage.commit(object, kind, extension);
        files?.add(key);
        report.staged_committed += 1;
      } else {
        await storage.discard(object);
        report.staged_removed += 1;
      }
    } catch (err) {
      // Cluster workers starting together settle the same dead uploads: whoever comes second finds them gone.
      if (!isGone(err)) throw err;
    }
  }
  if (!files) return report;
  const named = new Set(referenced);
  const orphans = [...files].filter((k) => !named.has(k));
  if (named.size === 0) report.orphans_kept = orphans.length;
  else {
    for (const key of orphans) await storage.delete(key);
    report.orphans_removed = orphans.length;
  }
  for (const key of named) {
    if (files.has(key)) continue;
    report.rows_missing_files += 1;
    if (report.missing_keys.length < 10) report.missing_keys.push(key);
  }
  return report;
}

/** True when the reconciliation found something worth a log line. */
export function reconciledAnything(r: ReconcileReport): boolean {
  return r.staged_committed + r.staged_removed + r.orphans_removed + r.orphans_kept + r.rows_missing_files > 0;
}
