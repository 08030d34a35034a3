/**
 * A real S3-protocol server (s3rver) on 127.0.0.1, port 0, over a temporary directory — the one launcher the app's
 * tests and the suite's embedded S3 twin share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver ships no types; its surface here is tiny.
// @ts-expect-error -- untyped CommonJS module
import S3rver from 's3rver';
import type { S3StorageOptions } from '../../src/storage/s3-storage.ts';

/** A running s3rver with one bucket. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the objects (removed by close()). */
  directory: string;
  /** S3 storage options pointing at it. */
  storage(prefix?: string): S3StorageOptions;
  close(): Promise<void>;
}

/** Starts s3rver with bucket `bucket`. */
export async function startS3(bucket = 'vertex-test', dirPrefix = 'vertex-ar-s3-'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), dirPrefix));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  keepKeyFolders(server.store as FilesystemStore);
  const address = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    directory,
    storage: (prefix = '') => ({
      bucket,
      prefix,
      client: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    }),
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The part of s3rver's filesystem store that `keepKeyFolders` replaces and uses. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
}

/**
 * s3rver's delete removes a key's folder once it is empty; a put into that folder between its mkdir and its open
 * then fails with ENOENT as an unhandled stream error that kills the process (the API's `staging/` keys hit it
 * under two concurrent uploaders). S3 has no folders, so a delete here only removes the object's own files.
 */
function keepKeyFolders(store: FilesystemStore): void {
  store.deleteObject = async (bucket, key) => {
    await Promise.all(['object', 'object.md5', 'metadata.json'].map((r) => rm(store.getResourcePath(bucket, key, r), { force: true })));
  };
}
