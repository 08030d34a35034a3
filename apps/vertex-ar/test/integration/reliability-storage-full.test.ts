// A full disk, for real: the storage directory on a 2 MiB tmpfs (needs root and mount; skipped, saying why,
// otherwise). Uploads that do not fit answer 507 VERTEX_ERR_STORAGE_FULL and leave nothing behind, reads go on,
// readiness says `degraded` with `checks.storage: "full"` while its 64 KiB probe does not fit, and all is back to ok
// once there is space again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, newClient, newUser, snapshot, startTestServer, type TestServer } from '../support/test-server.ts';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';

const MOUNT = await mkdtemp(join(tmpdir(), 'vertex-ar-full-'));
function tryMount(): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', MOUNT], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]}): run as root to test a full disk`;
  }
}
const skip = tryMount();

let t: TestServer;
let token: string;
let clientId: number;
let portrait: { id: number; image_url: string };

before(async () => {
  if (skip) return;
  t = await startTestServer({ storageDir: join(MOUNT, 'files'), limits: { videoMaxBytes: 50 * 1024 * 1024 } });
  token = (await newUser(t)).token;
  clientId = await newClient(t, token);
  const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
  assert.equal(p.status, 201);
  portrait = p.body;
});

after(async () => {
  await t?.close();
  if (!skip) execFileSync('umount', [MOUNT]);
  await rm(MOUNT, { recursive: true, force: true });
});

const ready = async () => call(t, 'GET', '/health/ready');

test('a video larger than the free space: 507 in the envelope, nothing stored, smaller uploads go on', { skip }, async () => {
  const before = await snapshot(t);
  const res = await call(t, 'POST', `/portraits/${portrait.id}/videos`, { token, body: form({}, { field: 'video', bytes: fakeMp4(3 * 1024 * 1024) }) });
  assert.equal(res.status, 507, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'VERTEX_ERR_STORAGE_FULL');
  assert.doesNotMatch(res.body.error.message, /\n/);
  assert.deepEqual(await snapshot(t), before, 'no row, no file');
  assert.deepEqual((await readdir(join(MOUNT, 'files.staging'))).filter((n) => !n.startsWith('probe-')), [], 'nothing staged');

  // The refused upload's bytes were given back: there is room for smaller uploads, and readiness says so.
  assert.equal((await ready()).body.status, 'ok');
  assert.equal((await call(t, 'GET', portrait.image_url)).status, 200, 'files are still served');
  const small = await call(t, 'POST', `/portraits/${portrait.id}/videos`, { token, body: form({}, { field: 'video', bytes: fakeMp4(100_000) }) });
  assert.equal(small.status, 201, JSON.stringify(small.body));
});

test('a disk filled by something else: a portrait is 507, readiness degraded (storage full), reads go on; ok once space is freed', { skip }, async () => {
  const filler = join(MOUNT, 'filler');
  await writeFile(filler, Buffer.alloc(4 * 1024 * 1024)).catch((err: NodeJS.ErrnoException) => assert.equal(err.code, 'ENOSPC'));
  const before = await snapshot(t);
  const res = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg(800, 600) }) });
  assert.equal(res.status, 507, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'VERTEX_ERR_STORAGE_FULL');
  assert.deepEqual(await snapshot(t), before);
  const health = await ready();
  assert.equal(health.status, 200, 'a full storage does not take the API out of rotation');
  assert.deepEqual(health.body, { status: 'degraded', checks: { database: 'ok', storage: 'full', cache: 'ok' } });
  assert.equal((await call(t, 'GET', portrait.image_url)).status, 200, 'files are still served');
  assert.equal((await call(t, 'GET', `/portraits/${portrait.id}`, { token })).status, 200, 'and records read');

  await rm(filler);
  const freed = await ready();
  assert.equal(freed.status, 200);
  assert.equal(freed.body.status, 'ok', JSON.stringify(freed.body));
});

test('the SQLite database on a full disk: a write answers 507 in the envelope, reads go on', { skip }, async () => {
  const dbDir = join(MOUNT, 'db');
  const s = await startTestServer({ sqliteFile: join(dbDir, 'vertex-ar.sqlite') });
  const filler = join(MOUNT, 'filler-db');
  try {
    const user = await newUser(s);
    // Then writes until the database (its WAL) has no room left to grow.
    await writeFile(filler, Buffer.alloc(4 * 1024 * 1024)).catch((err: NodeJS.ErrnoException) => assert.equal(err.code, 'ENOSPC'));
    let full: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 200 && !full; i++) {
      const res = await call(s, 'POST', '/clients', { token: user.token, json: { name: `client ${i}`, notes: 'x'.repeat(1000) } });
      if (res.status !== 201) full = res;
    }
    assert.ok(full, 'a write failed');
    assert.equal(full.status, 507, JSON.stringify(full.body));
    assert.equal(full.body.error.code, 'VERTEX_ERR_STORAGE_FULL');
    assert.equal((await call(s, 'GET', '/users/me', { token: user.token })).status, 200, 'reads go on');
  } finally {
    await rm(filler, { force: true });
    await s.close();
  }
});
