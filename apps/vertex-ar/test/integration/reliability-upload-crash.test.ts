// `kill -9` of the API during uploads: a real `vertex-ar serve` child is SIGKILLed while a video streams in, then
// restarted on the same data directory. The start-up reconciliation must leave no staged bytes and no file without
// its row; an upload cut between its row and its commit is completed; a row whose file is gone is kept and counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, POSTGRES, type TestDatabase } from '../support/postgres.ts';
import { cliUser, fresh, startCli, type CliServer } from '../support/cli-server.ts';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';
import { waitUntil } from '../support/wait-until.ts';
import { startTestServer } from '../support/test-server.ts';
import { startServer } from '../../src/index.ts';

async function upload(url: string, path: string, token: string, body: FormData): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

const KEYS_SQL = 'select image_key as k from portraits union all select thumbnail_key from portraits union all select marker_key from portraits union all select video_key from videos';

/** Every key the rows name, read straight from the database (SQLite file, or PostgreSQL at `pgUrl`). */
async function rowKeys(dataDir: string, pgUrl?: string): Promise<string[]> {
  if (pgUrl) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      return (await client.query<{ k: string }>(KEYS_SQL)).rows.map((r) => r.k).sort();
    } finally {
      await client.end();
    }
  }
  const db = new Database(join(dataDir, 'vertex-ar.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(KEYS_SQL).all() as Array<{ k: string }>).map((r) => r.k).sort();
  } finally {
    db.close();
  }
}

const keyOf = (url: string) => url.slice('/files/'.length);

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`kill -9 during an upload, restart on the same data: staging empty, every file has its row, a cut commit completed [${kind}]`, {
    timeout: 240_000, skip: kind === 'postgres' && POSTGRES.skipReason,
  }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-crash-'));
    const files = join(dataDir, 'files');
    const staging = join(dataDir, 'files.staging');
    let api: CliServer | undefined;
    let pgDb: TestDatabase | undefined;
    try {
      pgDb = kind === 'postgres' ? await createTestDatabase() : undefined;
      const dbArgs = pgDb ? ['--db', pgDb.url] : [];
      // One process: the kill must hit the process that writes the upload (serve's default forks a worker per core).
      api = await startCli(['--workers', '1', ...dbArgs], {}, 90_000, dataDir);
      const token = await cliUser(api.url, 'crashuser');
      const client = await fresh(`${api.url}/clients`, 'POST', { token, body: JSON.stringify({ name: 'Ada' }) });
      const clientId = JSON.parse(client.body).id as number;
      const portrait = await upload(api.url, '/portraits', token, form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }));
      assert.equal(portrait.status, 201, JSON.stringify(portrait.body));
      const videoBytes = fakeMp4(200_000);
      const video = await upload(api.url, `/portraits/${portrait.body.id}/videos`, token, form({}, { field: 'video', bytes: videoBytes }));
      assert.equal(video.status, 201, JSON.stringify(video.body));

      // A video streaming in, never finished: the server is killed once its bytes are in staging.
      const { port } = new URL(api.url);
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/portraits/${portrait.body.id}/videos`, headers: {
        authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=cut',
      } });
      req.on('error', () => {});
      req.write('--cut\r\ncontent-disposition: form-data; name="video"; filename="v.mp4"\r\ncontent-type: video/mp4\r\n\r\n');
      req.write(fakeMp4(3 * 1024 * 1024));
      const running = api;
      await waitUntil(running, 'the upload in staging', async () => {
        for (const name of await readdir(staging)) {
          if (((await stat(join(staging, name)).catch(() => undefined))?.size ?? 0) > 1024 * 1024) return name;
        }
        return undefined;
      });
      const deadPid = api.child.pid!;
      api.child.kill('SIGKILL');
      await new Promise((resolve) => api!.child.once('exit', resolve));
      req.destroy();
      const leftInStaging = await readdir(staging);
      assert.equal(leftInStaging.length, 1, `the cut upload is left in staging: ${leftInStaging}`);

      // What other crash points leave, made by hand because a SIGKILL cannot be aimed at them: a video row whose
      // bytes were still staged (the kill fell between the row and the commit), an orphan file (a kill during a
      // delete, which removes the row first), and a thumbnail lost outside the API.
      const videoKey = keyOf(video.body.url);
      const hex = videoKey.slice('vid-'.length, -'.mp4'.length);
      await rename(join(files, videoKey), join(staging, `${deadPid}-${hex}`));
      const orphan = `vid-${randomBytes(16).toString('hex')}.mp4`;
      await writeFile(join(files, orphan), fakeMp4(1000));
      const thumbKey = keyOf(portrait.body.thumbnail_url);
      await rm(join(files, thumbKey));
      // And what is no upload of this version: a readiness probe cut by the kill, an older version's staged upload.
      const probe = join(staging, 'probe-0123456789abcdef');
      await writeFile(probe, Buffer.alloc(64 * 1024));
      const twoMinutesAgo = new Date(Date.now() - 120_000);
      await utimes(probe, twoMinutesAgo, twoMinutesAgo);
      await writeFile(join(staging, randomBytes(16).toString('hex')), fakeMp4(1000));

      api = await startCli(['--workers', '2', ...dbArgs], {}, 90_000, dataDir);
      await api.waitForStderr(/storage reconciled/);
      const line = api.stderr().split('\n').find((l) => l.includes('storage reconciled'))!;
      const report = JSON.parse(line);
      console.log(`# reconciliation after kill -9: ${line}`);
      assert.equal(report.staged_removed, 1, 'the cut upload removed');
      assert.equal(report.staged_committed, 1, 'the staged video its row names committed');
      assert.equal(report.orphans_removed, 1, 'the orphan file removed');
      assert.equal(report.rows_missing_files, 1, 'the lost thumbnail counted');
      assert.deepEqual(report.missing_keys, [thumbKey]);

      assert.deepEqual(await readdir(staging), [], 'staging is empty');
      const stored = (await readdir(files)).sort();
      assert.deepEqual(stored, (await rowKeys(dataDir, pgDb?.url)).filter((k) => k !== thumbKey), 'every file has its row and every row its file (but the lost one)');
      const back = await fetch(api.url + video.body.url);
      assert.equal(back.status, 200);
      assert.ok(Buffer.from(await back.arrayBuffer()).equals(videoBytes), 'the completed video is served byte for byte');
      assert.equal((await fetch(api.url + portrait.body.thumbnail_url)).status, 404, 'the lost thumbnail is a 404, its row kept');
      assert.equal((await fresh(`${api.url}/portraits/${portrait.body.id}`, 'GET', { token })).status, 200);
      assert.equal(await api.stop(), 0);
      api = undefined;

      // Nothing left to settle: the next start logs nothing about storage (the missing thumbnail is counted again).
      api = await startCli(['--workers', '1', ...dbArgs], {}, 90_000, dataDir);
      const again = JSON.parse(api.stderr().split('\n').find((l) => l.includes('storage reconciled')) ?? '{}');
      assert.equal(again.staged_removed ?? 0, 0);
      assert.equal(again.orphans_removed ?? 0, 0);
    } finally {
      await api?.stop();
      await pgDb?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

test('a cluster worker killed mid-upload: its replacement removes the cut upload from staging while the others serve', { timeout: 240_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertex-ar-crash-'));
  const staging = join(dataDir, 'files.staging');
  const api = await startCli(['--workers', '2'], {}, 90_000, dataDir);
  try {
    const token = await cliUser(api.url, 'workercrash');
    const client = await fresh(`${api.url}/clients`, 'POST', { token, body: JSON.stringify({ name: 'Ada' }) });
    const portrait = await upload(api.url, '/portraits', token, form({ client_id: String(JSON.parse(client.body).id) }, { field: 'image', bytes: await smallJpeg() }));
    assert.equal(portrait.status, 201, JSON.stringify(portrait.body));
    const { port } = new URL(api.url);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/portraits/${portrait.body.id}/videos`, headers: {
      authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=cut',
    } });
    req.on('error', () => {});
    req.write('--cut\r\ncontent-disposition: form-data; name="video"; filename="v.mp4"\r\n\r\n');
    req.write(fakeMp4(3 * 1024 * 1024));
    // The staged name carries the pid of the worker receiving the upload: that is the one to kill.
    const name = await waitUntil(api, 'the upload in staging', async () => (await readdir(staging)).find((n) => /^\d+-[0-9a-f]{32}$/.test(n)));
    const workerPid = Number(name.split('-')[0]);
    assert.notEqual(workerPid, api.child.pid, 'a worker, not the primary');
    process.kill(workerPid, 'SIGKILL');
    await api.waitForStderr(/died \(SIGKILL\); starting a replacement/);
    await waitUntil(api, 'staging to empty', async () => ((await readdir(staging)).some((n) => /^\d+-/.test(n)) ? undefined : true));
    await api.waitForStderr(/storage reconciled.*"staged_removed":1/);
    req.destroy();
    assert.equal((await fresh(`${api.url}/portraits/${portrait.body.id}`, 'GET', { token })).status, 200, 'the API serves on');
  } finally {
    await api.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a database that names no file at all next to a storage full of them: nothing is deleted, the count is logged', async () => {
  // What pointing a fresh database at an existing storage looks like: a sweep would wipe the storage.
  const first = await startTestServer();
  await first.server.close();
  const orphan = `img-${randomBytes(16).toString('hex')}.jpg`;
  await writeFile(join(first.dataDir, 'files', orphan), await smallJpeg());
  const lines: Array<Record<string, unknown>> = [];
  const again = await startServer({ host: '127.0.0.1', port: 0, dataDir: first.dataDir, log: (line) => lines.push(line) });
  try {
    const report = lines.find((l) => String(l.msg).startsWith('storage reconciled'));
    assert.equal(report?.orphans_kept, 1, JSON.stringify(lines));
    assert.equal(report?.orphans_removed, 0);
    assert.deepEqual(await readdir(join(first.dataDir, 'files')), [orphan], 'the file is still there');
  } finally {
    await again.close();
    await rm(first.dataDir, { recursive: true, force: true });
  }
});
