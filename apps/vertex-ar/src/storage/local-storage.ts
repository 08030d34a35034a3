/**
 * Local-disk storage: one flat directory of objects named by their key, plus a `.staging` directory
 * (outside the object directory) for uploads in flight. Committing is a rename, which is atomic on one
 * filesystem, so a reader never sees a half-written object.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile, access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { notFound } from '../errors.ts';
import { isValidKey, newTempId, parseTempId, stagedKey, type StorageExtension, type StorageKind } from './keys.ts';
import type { ByteRange, StagedEntry, StagedObject, Storage, StorageUsage } from './storage.ts';

/** The readiness probe's content: uploads need at least this much room. */
const PROBE = Buffer.alloc(64 * 1024);

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Storage in a local directory. */
export class LocalStorage implements Storage {
  readonly backend = 'local';
  readonly #dir: string;
  readonly #stagingDir: string;

  /** `dir` holds the objects; staging goes to the sibling `<dir>.staging`. */
  constructor(dir: string) {
    this.#dir = dir;
    this.#stagingDir = `${dir}.staging`;
  }

  /**
   * Creates the directories, and removes from staging what a crash left that is no upload of this version (a readiness
   * probe, an older version's upload). Staged uploads are the reconciliation's (`reconcile.ts`): it
   * needs the database to know whether one is to be committed or removed.
   */
  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await mkdir(this.#stagingDir, { recursive: true });
    for (const name of await readdir(this.#stagingDir)) {
      if (parseTempId(name)) continue;
      const path = join(this.#stagingDir, name);
      // A sibling worker's readiness probe lives for milliseconds; one a minute old was left by a crash.
      if (name.startsWith('probe-') && Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) < 60_000) continue;
      await rm(path, { force: true, recursive: true });
    }
  }

  async stage(data: Buffer | Readable): Promise<StagedObject> {
    const tempId = newTempId();
    const path = join(this.#stagingDir, tempId);
    const source = Buffer.isBuffer(data) ? Readable.from([data]) : data;
    let sizeBytes = 0;
    const file = createWriteStream(path, { flags: 'wx' });
    try {
      await pipeline(source, async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          sizeBytes += chunk.length;
          yield chunk;
        }
      }, file);
    } catch (err) {
      // A source that fails at once (a rejected upload's first chunk) can fail the pipeline before the file is even
      // open: removing it then would race the open, which creates it afterwards. Wait until the stream has closed.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      await rm(path, { force: true });
      throw err;
    }
    return { tempId, sizeBytes };
  }

  async commit(staged: StagedObject, kind: StorageKind, extension: StorageExtension): Promise<string> {
    const key = stagedKey(staged.tempId, kind, extension);
    await rename(this.#stagingPath(staged), join(this.#dir, key));
    return key;
  }

  async discard(staged: StagedObject): Promise<void> {
    await rm(this.#stagingPath(staged), { force: true });
  }

  async put(data: Buffer | Readable, kind: StorageKind, extension: StorageExtension): Promise<string> {
    const staged = await this.stage(data);
    try {
      return await this.commit(staged, kind, extension);
    } catch (err) {
      await this.discard(staged);
      throw err;
    }
  }

  async stat(key: string): Promise<{ sizeBytes: number } | undefined> {
    if (!isValidKey(key)) return undefined;
    try {
      const s = await stat(join(this.#dir, key));
      return s.isFile() ? { sizeBytes: s.size } : undefined;
    } catch {
      return undefined;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (!isValidKey(key)) throw notFound('file');
    const stream = createReadStream(join(this.#dir, key), range ? { start: range.start, end: range.end } : {});
    // Surface ENOENT as a 404 before any byte is sent, rather than as a broken response.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? notFound('file') : err));
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    if (!isValidKey(key)) return;
    await rm(join(this.#dir, key), { force: true });
  }

  async usage(): Promise<StorageUsage> {
    const names = await readdir(this.#dir);
    let bytes = 0;
    let files = 0;
    for (const name of names) {
      const s = await stat(join(this.#dir, name)).catch(() => undefined);
      if (s?.isFile()) {
        bytes += s.size;
        files += 1;
      }
    }
    return { bytes, files };
  }

  async listStaged(): Promise<StagedEntry[]> {
    const entries: StagedEntry[] = [];
    for (const name of await readdir(this.#stagingDir)) {
      const parsed = parseTempId(name);
      if (parsed) entries.push({ tempId: name, abandoned: parsed.pid === process.pid || !pidAlive(parsed.pid) });
    }
    return entries;
  }

  async listKeys(): Promise<string[]> {
    return (await readdir(this.#dir)).filter(isValidKey);
  }

  async check(): Promise<void> {
    // Writability of both directories is what uploads need; a probe file in staging proves it cheaply. It has bytes:
    // an empty file fits on a full disk (it takes an inode only), and readiness is to say when uploads cannot.
    await access(this.#dir, constants.R_OK | constants.W_OK);
    const probe = join(this.#stagingDir, `probe-${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(probe, PROBE);
    } finally {
      await rm(probe, { force: true });
    }
  }

  #stagingPath(staged: StagedObject): string {
    // The temp id is ours, but it travels through callers: never let it become a path component of theirs.
    if (!parseTempId(staged.tempId)) throw new Error('invalid staged object');
    return join(this.#stagingDir, staged.tempId);
  }
}
