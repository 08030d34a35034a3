/** A real S3-protocol server (s3rver) on 127.0.0.1, port 0, over a temporary directory. */
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
  /** S3 storage options pointing at it. */
  storage(prefix?: string): S3StorageOptions;
  close(): Promise<void>;
}

/** Starts s3rver with bucket `bucket`. */
export async function startS3(bucket = 'vertex-test'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'vertex-ar-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
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
