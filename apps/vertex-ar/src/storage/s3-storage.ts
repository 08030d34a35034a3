/**
 * S3 storage (@aws-sdk/client-s3). Uploads stream through `@aws-sdk/lib-storage`'s multipart Upload
 * (parts of 8 MiB, a few in flight), so a 200 MB video never sits in memory whole. Staging is a
 * `staging/` prefix: commit is a server-side copy to the final key plus a delete, so an object becomes
 * visible under its key only complete. Downloads pass `Range` through to S3.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand,
  S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { notFound } from '../errors.ts';
import { generateKey, isValidKey, newTempId, parseTempId, stagedKey, type StorageExtension, type StorageKind } from './keys.ts';
import type { ByteRange, StagedEntry, StagedObject, Storage, StorageUsage } from './storage.ts';

/**
 * A staged object appears only once its upload is complete, and is committed within milliseconds of that; one older
 * than this was left by a crash. (Pids say nothing here: several hosts may share the bucket.)
 */
const STAGED_ABANDONED_AFTER_MS = 60 * 60_000;

/** Options of {@link S3Storage}. */
export interface S3StorageOptions {
  bucket: string;
  /** Key prefix inside the bucket (e.g. `vertex-ar/`); default none. */
  prefix?: string;
  /** Client settings; region, endpoint and credentials otherwise come from the usual AWS_* variables. */
  client?: S3ClientConfig;
  /** Multipart part size in bytes (≥ 5 MiB); default 8 MiB. */
  partSizeBytes?: number;
}

export { parseS3Url } from './s3-url.ts';

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

/** Storage in an S3 bucket. */
export class S3Storage implements Storage {
  readonly backend = 's3';
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSize: number;

  constructor(options: S3StorageOptions) {
    // Checksums only when an operation requires them: S3-compatible servers (s3rver, older MinIO) do not
    // all understand the SDK's default trailing CRC32 on every upload.
    this.#s3 = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', ...options.client });
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    this.#partSize = Math.max(5 * 1024 * 1024, options.partSizeBytes ?? 8 * 1024 * 1024);
  }

  async stage(data: Buffer | Readable): Promise<StagedObject> {
    const tempId = newTempId();
    const sizeBytes = await this.#upload(this.#stagingKey(tempId), data);
    return { tempId, sizeBytes };
  }

  async commit(staged: StagedObject, kind: StorageKind, extension: StorageExtension): Promise<string> {
    const key = stagedKey(staged.tempId, kind, extension);
    const source = this.#stagingKey(staged.tempId);
    await this.#s3.send(new CopyObjectCommand({
      Bucket: this.#bucket, Key: this.#prefix + key, CopySource: `${this.#bucket}/${encodeURIComponent(source).replace(/%2F/g, '/')}`,
    }));
    await this.discard(staged);
    return key;
  }

  async discard(staged: StagedObject): Promise<void> {
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#stagingKey(staged.tempId) }));
  }

  async put(data: Buffer | Readable, kind: StorageKind, extension: StorageExtension): Promise<string> {
    // An S3 object appears atomically when its upload completes, so no staging is needed here.
    const key = generateKey(kind, extension);
    await this.#upload(this.#prefix + key, data);
    return key;
  }

  async stat(key: string): Promise<{ sizeBytes: number } | undefined> {
    if (!isValidKey(key)) return undefined;
    try {
      const head = await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
      return { sizeBytes: head.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (!isValidKey(key)) throw notFound('file');
    try {
      const out = await this.#s3.send(new GetObjectCommand({
        Bucket: this.#bucket, Key: this.#prefix + key, Range: range ? `bytes=${range.start}-${range.end}` : undefined,
      }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw notFound('file');
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    if (!isValidKey(key)) return;
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + key }));
  }

  async usage(): Promise<StorageUsage> {
    let bytes = 0;
    let files = 0;
    let token: string | undefined;
    do {
      const page = await this.#s3.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix, ContinuationToken: token }));
      for (const obj of page.Contents ?? []) {
        if (obj.Key?.startsWith(`${this.#prefix}staging/`)) continue;
        bytes += obj.Size ?? 0;
        files += 1;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { bytes, files };
  }

  async listStaged(): Promise<StagedEntry[]> {
    const entries: StagedEntry[] = [];
    const staging = `${this.#prefix}staging/`;
    await this.#list(staging, (key, modified) => {
      const tempId = key.slice(staging.length);
      if (parseTempId(tempId)) entries.push({ tempId, abandoned: Date.now() - modified > STAGED_ABANDONED_AFTER_MS });
    });
    return entries;
  }

  async listKeys(): Promise<string[]> {
    const keys: string[] = [];
    await this.#list(this.#prefix, (key) => {
      const name = key.slice(this.#prefix.length);
      if (isValidKey(name)) keys.push(name);
    });
    return keys;
  }

  async #list(prefix: string, each: (key: string, modifiedMs: number) => void): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.#s3.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }));
      for (const obj of page.Contents ?? []) if (obj.Key) each(obj.Key, obj.LastModified?.getTime() ?? 0);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async check(): Promise<void> {
    const probe = `${this.#prefix}staging/probe-${randomBytes(8).toString('hex')}`;
    await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: probe, Body: Buffer.alloc(0) }));
    await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: probe }));
  }

  /** Closes the client's sockets. */
  close(): void {
    this.#s3.destroy();
  }

  async #upload(key: string, data: Buffer | Readable): Promise<number> {
    if (Buffer.isBuffer(data)) {
      await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: data, ContentLength: data.length }));
      return data.length;
    }
    let sizeBytes = 0;
    // Counting on the way through; the source's errors (a 415 from the sniffer, a 413) abort the upload.
    const counted = new PassThrough();
    data.on('data', (chunk: Buffer) => { sizeBytes += chunk.length; });
    data.once('error', (err) => counted.destroy(err));
    data.pipe(counted);
    const upload = new Upload({ client: this.#s3, params: { Bucket: this.#bucket, Key: key, Body: counted }, partSize: this.#partSize, queueSize: 4 });
    try {
      await upload.done();
    } catch (err) {
      await upload.abort().catch(() => {});
      await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })).catch(() => {});
      // The source's own error (e.g. a VertexError from the sniffer) is the one worth reporting.
      throw (data as Readable & { errored?: Error | null }).errored ?? err;
    }
    return sizeBytes;
  }

  #stagingKey(tempId: string): string {
    // The temp id is ours, but it travels through callers: never let it become a key of theirs.
    if (!parseTempId(tempId)) throw new Error('invalid staged object');
    return `${this.#prefix}staging/${tempId}`;
  }
}
