/**
 * The storage interface. Uploads are two-phase: {@link Storage.stage} writes bytes under a temporary
 * name, {@link Storage.commit} gives them their final key once the request has been validated, and
 * {@link Storage.discard} drops them otherwise — so a rejected upload leaves nothing behind. The committed key
 * is known from the staged object (`stagedKey` in keys.ts), so a route writes its row first and commits after: a crash
 * in between leaves staged bytes a row names, which the start-up reconciliation commits (`reconcile.ts`).
 */
import type { Readable } from 'node:stream';
import type { StorageExtension, StorageKind } from './keys.ts';

/** Bytes written under a temporary name, not yet visible under any key. */
export interface StagedObject {
  readonly tempId: string;
  readonly sizeBytes: number;
}

/** An inclusive byte range, both ends already clamped to the object. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A staged object found by {@link Storage.listStaged}. */
export interface StagedEntry {
  readonly tempId: string;
  /**
   * True when no live process can still be writing or committing it: local disk — its owner pid is gone (or is this
   * process, which has staged nothing yet at start-up); S3, shared by hosts whose pids mean nothing here — it is
   * older than an hour.
   */
  readonly abandoned: boolean;
}

/** Total usage of the backend. */
export interface StorageUsage {
  bytes: number;
  files: number;
}

/** Where original images, thumbnails, markers and videos live. */
export interface Storage {
  /** Human-readable backend name for admin views (`local`, `s3`). */
  readonly backend: string;
  /** Writes a buffer or stream to a temporary name; a failed stream leaves nothing behind. */
  stage(data: Buffer | Readable): Promise<StagedObject>;
  /** Makes staged bytes visible under their key (`stagedKey`), returned. */
  commit(staged: StagedObject, kind: StorageKind, extension: StorageExtension): Promise<string>;
  /** Drops staged bytes (idempotent). */
  discard(staged: StagedObject): Promise<void>;
  /** Stage and commit in one step. */
  put(data: Buffer | Readable, kind: StorageKind, extension: StorageExtension): Promise<string>;
  /** Size of a stored object, or undefined when the key is unknown or malformed. */
  stat(key: string): Promise<{ sizeBytes: number } | undefined>;
  /** A stream of the object (or of one range of it). Throws a 404 VertexError when unknown. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Deletes an object; unknown keys are ignored. */
  delete(key: string): Promise<void>;
  usage(): Promise<StorageUsage>;
  /** Every staged object (uploads in flight, or left by a crash). */
  listStaged(): Promise<StagedEntry[]>;
  /** Every committed key. */
  listKeys(): Promise<string[]>;
  /** Throws when the backend cannot be written (for lack of space: an error `isStorageFull` recognises). */
  check(): Promise<void>;
  /** Releases clients and sockets, if the backend holds any. */
  close?(): void;
}
