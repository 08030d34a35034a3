/**
 * The storage interface. Uploads are two-phase: {@link Storage.stage} writes bytes under a temporary
 * name, {@link Storage.commit} gives them their final key once the request has been validated, and
 * {@link Storage.discard} drops them otherwise — so a rejected upload leaves nothing behind.
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
  /** Makes staged bytes visible under a new server-generated key, returned. */
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
  /** Throws when the backend cannot be written. */
  check(): Promise<void>;
  /** Releases clients and sockets, if the backend holds any. */
  close?(): void;
}
