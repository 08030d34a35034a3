/** A storage decorator that counts every backend operation and times it (storage metrics, issue #8). */
import type { Readable } from 'node:stream';
import type { AppMetrics } from '../metrics/metrics.ts';
import type { StorageExtension, StorageKind } from './keys.ts';
import type { ByteRange, StagedEntry, StagedObject, Storage, StorageUsage } from './storage.ts';

/** Wraps `inner` so each call feeds `storage_operations_total` and `storage_operation_duration_seconds`. */
export class InstrumentedStorage implements Storage {
  readonly backend: string;
  readonly inner: Storage;
  readonly #metrics: Pick<AppMetrics, 'storageOperations' | 'storageDuration'>;

  constructor(inner: Storage, metrics: Pick<AppMetrics, 'storageOperations' | 'storageDuration'>) {
    this.inner = inner;
    this.backend = inner.backend;
    this.#metrics = metrics;
  }

  async #timed<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome = 'error';
    try {
      const result = await fn();
      outcome = 'ok';
      return result;
    } finally {
      this.#metrics.storageOperations.inc({ backend: this.backend, operation, outcome });
      this.#metrics.storageDuration.observe({ backend: this.backend, operation }, (performance.now() - started) / 1000);
    }
  }

  stage(data: Buffer | Readable): Promise<StagedObject> { return this.#timed('stage', () => this.inner.stage(data)); }
  commit(staged: StagedObject, kind: StorageKind, ext: StorageExtension): Promise<string> { return this.#timed('commit', () => this.inner.commit(staged, kind, ext)); }
  discard(staged: StagedObject): Promise<void> { return this.#timed('discard', () => this.inner.discard(staged)); }
  put(data: Buffer | Readable, kind: StorageKind, ext: StorageExtension): Promise<string> { return this.#timed('put', () => this.inner.put(data, kind, ext)); }
  stat(key: string): Promise<{ sizeBytes: number } | undefined> { return this.#timed('stat', () => this.inner.stat(key)); }
  get(key: string, range?: ByteRange): Promise<Readable> { return this.#timed('get', () => this.inner.get(key, range)); }
  delete(key: string): Promise<void> { return this.#timed('delete', () => this.inner.delete(key)); }
  usage(): Promise<StorageUsage> { return this.#timed('usage', () => this.inner.usage()); }
  listStaged(): Promise<StagedEntry[]> { return this.#timed('list_staged', () => this.inner.listStaged()); }
  listKeys(): Promise<string[]> { return this.#timed('list_keys', () => this.inner.listKeys()); }
  check(): Promise<void> { return this.#timed('check', () => this.inner.check()); }
  close(): void { this.inner.close?.(); }
}
