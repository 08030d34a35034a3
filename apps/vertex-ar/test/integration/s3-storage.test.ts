// Issue #8: S3 storage against a real S3-protocol server (s3rver): streamed multipart uploads, byte-exact
// downloads, Range, two-phase staging that leaves nothing behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { rm } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startServer } from '../../src/index.ts';
import { S3Storage } from '../../src/storage/s3-storage.ts';
import { call, newClient, newUser, startTestServer, type TestServer } from '../support/test-server.ts';
import { fakeMp4, form, noisePng } from '../support/media.ts';
import { startS3, type TestS3 } from '../support/s3rver.ts';

const MB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('S3 storage', () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startS3();
  });
  after(() => s3.close());

  test('a streamed 12 MB object (two multipart parts) stages, commits and reads back byte-exact, with ranges', async () => {
    const storage = new S3Storage({ ...s3.storage('unit/'), partSizeBytes: 8 * MB });
    const data = randomBytes(12 * MB + 123);
    // Chunks of 64 KiB, as a request body arrives: the storage never sees the whole buffer.
    const source = Readable.from((function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
    })());
    const staged = await storage.stage(source);
    assert.equal(staged.sizeBytes, data.length);
    const key = await storage.commit(staged, 'vid', 'mp4');
    assert.deepEqual(await storage.stat(key), { sizeBytes: data.length });
    assert.ok((await readAll(await storage.get(key))).equals(data));
    const start = 8 * MB - 10;
    const end = 8 * MB + 9;
    assert.ok((await readAll(await storage.get(key, { start, end }))).equals(data.subarray(start, end + 1)));
    assert.deepEqual(await storage.usage(), { bytes: data.length, files: 1 }, 'the staging copy is gone');
    await storage.delete(key);
    assert.equal(await storage.stat(key), undefined);
    await assert.rejects(storage.get(key), { code: 'VERTEX_ERR_NOT_FOUND' });
    await storage.check();
    storage.close();
  });

  test('a failing source stream leaves nothing behind and reports its own error', async () => {
    const storage = new S3Storage(s3.storage('fail/'));
    const source = Readable.from((async function* () {
      yield randomBytes(MB);
      throw Object.assign(new Error('sniffer says no'), { code: 'VERTEX_ERR_UNSUPPORTED_MEDIA_TYPE' });
    })());
    await assert.rejects(storage.stage(source), /sniffer says no/);
    assert.deepEqual(await storage.usage(), { bytes: 0, files: 0 });
    storage.close();
  });

  test('concurrent stage/commit/discard in one prefix never lose a write (s3rver folder pruning raced puts)', async () => {
    // s3rver prunes a key's now-empty folder after a delete; a put into the same folder between its mkdir and
    // its open then failed with ENOENT as an unhandled stream error that killed the process (seen in CI in the
    // suite's storage-s3 test). Real S3 has no folders; the test double must not invent that race.
    const storage = new S3Storage(s3.storage('race/'));
    // Two writers, as the suite's two storage users: the staging folder empties and refills all the time.
    const committed: string[] = [];
    let bytes = 0;
    await Promise.all([0, 1].map(async (writer) => {
      for (let i = 0; i < 150; i++) {
        const size = 1024 + i;
        const staged = await storage.stage(randomBytes(size));
        if ((i + writer) % 2) {
          await storage.discard(staged);
          continue;
        }
        committed.push(await storage.commit(staged, 'vid', 'mp4'));
        bytes += size;
      }
    }));
    assert.equal(committed.length, 150);
    assert.deepEqual(await storage.usage(), { bytes, files: 150 });
    await Promise.all(committed.map((k) => storage.delete(k)));
    assert.deepEqual(await storage.usage(), { bytes: 0, files: 0 });
    storage.close();
  });

  test('start-up reconciliation on S3: orphan objects removed, rows without objects counted, fresh staged objects left to their uploader', async () => {
    const options = s3.storage('recon/');
    const t = await startTestServer({ s3: options });
    const token = (await newUser(t)).token;
    const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(await newClient(t, token)) }, { field: 'image', bytes: await noisePng(10_000) }) });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const v = await call(t, 'POST', `/portraits/${p.body.id}/videos`, { token, body: form({}, { field: 'video', bytes: fakeMp4(10_000) }) });
    assert.equal(v.status, 201, JSON.stringify(v.body));
    await t.server.close();

    // Laid out as crashes leave them: an object no row names (a kill while deleting), and a video whose bytes are
    // still staged (a kill between its row and its commit), plus an upload's staged bytes with no row yet.
    const storage = new S3Storage(options);
    const orphan = await storage.put(fakeMp4(1000), 'vid', 'mp4');
    const videoKey = v.body.url.slice('/files/'.length) as string;
    const hex = videoKey.slice(4, -4);
    const client = new S3Client({ ...options.client });
    await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: `recon/staging/999999-${hex}`, Body: fakeMp4(10_000) }));
    await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: `recon/staging/999999-${'ab'.repeat(16)}`, Body: Buffer.alloc(10) }));
    await storage.delete(videoKey);

    const lines: Array<Record<string, unknown>> = [];
    const again = await startServer({ host: '127.0.0.1', port: 0, dataDir: t.dataDir, s3: options, log: (line) => lines.push(line) });
    try {
      const report = lines.find((l) => l.msg === 'storage reconciled with the database after an unclean stop');
      assert.ok(report, JSON.stringify(lines));
      assert.equal(report.orphans_removed, 1);
      assert.equal(report.rows_missing_files, 1);
      assert.deepEqual(report.missing_keys, [videoKey]);
      // Hosts sharing a bucket cannot see each other's pids: a staged object is abandoned only once an hour old.
      assert.equal(report.staged_removed, 0);
      assert.equal(report.staged_committed, 0);
      assert.equal(await storage.stat(orphan), undefined, 'the orphan is gone');
      assert.equal((await storage.listStaged()).length, 2, 'fresh staged objects are left alone');
      assert.equal((await call({ ...t, url: again.url }, 'GET', p.body.image_url)).status, 200);
    } finally {
      await again.close();
      storage.close();
      client.destroy();
      await rm(t.dataDir, { recursive: true, force: true });
    }
  });

  describe('through the API', () => {
    let t: TestServer;
    let token: string;
    let clientId: number;
    before(async () => {
      t = await startTestServer({ s3: s3.storage('api/') });
      token = (await newUser(t)).token;
      clientId = await newClient(t, token);
    });
    after(() => t.close());

    test('portrait and video upload, then download byte-exact (whole and Range)', async () => {
      const image = await noisePng(2 * MB);
      const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: image, filename: 'p.png' }) });
      assert.equal(p.status, 201, JSON.stringify(p.body));
      const got = await call(t, 'GET', p.body.image_url);
      assert.equal(got.status, 200);
      assert.ok(got.bytes.equals(image));
      const video = fakeMp4(10 * MB);
      const v = await call(t, 'POST', `/portraits/${p.body.id}/videos`, { token, body: form({}, { field: 'video', bytes: video, type: 'video/mp4' }) });
      assert.equal(v.status, 201, JSON.stringify(v.body));
      assert.equal(v.body.size_bytes, video.length);
      const whole = await call(t, 'GET', v.body.url);
      assert.ok(whole.bytes.equals(video));
      const part = await call(t, 'GET', v.body.url, { headers: { range: 'bytes=100-5242979' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 100-5242979/${video.length}`);
      assert.ok(part.bytes.equals(video.subarray(100, 5242980)));
      const storage = await call(t, 'GET', '/health');
      assert.equal(storage.body.checks.storage, 'ok');
      assert.equal(storage.body.settings.storage, 's3');
    });

    test('a mistyped video is 415 and leaves no object', async () => {
      const before = await new S3Storage(s3.storage('api/')).usage();
      const p = await call(t, 'GET', '/portraits', { token });
      const res = await call(t, 'POST', `/portraits/${p.body.items[0].id}/videos`, { token, body: form({}, { field: 'video', bytes: randomBytes(3 * MB) }) });
      assert.equal(res.status, 415);
      assert.deepEqual(await new S3Storage(s3.storage('api/')).usage(), before);
    });
  });
});
