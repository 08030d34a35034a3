/**
 * The one order in which an upload becomes a row and files, so that a crash at any point leaves something the start-up
 * reconciliation (`storage/reconcile.ts`) can settle: files staged, then the row (naming the keys the staged bytes
 * will get), then the commits. Before the row, a crash leaves staged bytes no row names (removed at start); after
 * it, staged bytes the row names (committed at start).
 */
import { stagedKey, type StorageExtension, type StorageKind } from '../storage/keys.ts';
import type { StagedObject, Storage } from '../storage/storage.ts';

/** Staged bytes and the key kind and extension they are committed under. */
export interface PendingFile {
  staged: StagedObject;
  kind: StorageKind;
  extension: StorageExtension;
}

/** Drops staged bytes, ignoring failures (whatever is left, the start-up reconciliation removes). */
export async function discardQuietly(storage: Storage, files: readonly PendingFile[]): Promise<void> {
  await Promise.all(files.map((f) => storage.discard(f.staged).catch(() => {})));
}

/**
 * Inserts the row with `insert(keys)` (keys in the order of `files`), then commits every file. When a commit fails,
 * `removeRow` takes the row back before the files are dropped; should that fail too, the staged bytes stay for the
 * reconciliation, which then completes the upload rather than leave a row without its files.
 */
export async function storeWithRow<T>(
  storage: Storage, files: readonly PendingFile[], insert: (keys: string[]) => Promise<T>, removeRow: (row: T) => Promise<unknown>,
): Promise<T> {
  let row: T;
  try {
    row = await insert(files.map((f) => stagedKey(f.staged.tempId, f.kind, f.extension)));
  } catch (err) {
    await discardQuietly(storage, files);
    throw err;
  }
  const committed: string[] = [];
  try {
    for (const f of files) committed.push(await storage.commit(f.staged, f.kind, f.extension));
  } catch (err) {
    await removeRow(row);
    await Promise.all(committed.map((k) => storage.delete(k).catch(() => {})));
    await discardQuietly(storage, files);
    throw err;
  }
  return row;
}
