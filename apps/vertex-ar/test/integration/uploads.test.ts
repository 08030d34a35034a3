// Issue #2: portrait and video uploads, downloads with Range, and rejected uploads leaving nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { call, newClient, newUser, snapshot, startTestServer, type TestServer, describeEachDatabase } from '../support/test-server.ts';
import { fakeMp4, form, noisePng, smallJpeg } from '../support/media.ts';

describeEachDatabase('uploads and files', (db) => {
  let t: TestServer;
  let token: string;
  let clientId: number;
  let bigImage: Buffer;
  before(async () => {
    t = await startTestServer({}, db);
    token = (await newUser(t)).token;
    clientId = await newClient(t, token);
    bigImage = await noisePng(10 * 1024 * 1024);
  });
  after(() => t.close());

  test('a 10 MB image round-trips byte for byte, with thumbnail, marker and Range', async () => {
    assert.ok(bigImage.length >= 10 * 1024 * 1024);
    const res = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: bigImage, filename: 'big.png' }) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const p = res.body;
    assert.equal(p.client_id, clientId);
    assert.equal(p.format, 'png');
    assert.equal(p.image_bytes, bigImage.length);
    assert.ok(p.marker.keypoint_count > 0);
    const image = await call(t, 'GET', p.image_url);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.ok(image.bytes.equals(bigImage));
    const thumb = await call(t, 'GET', p.thumbnail_url);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...thumb.bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const marker = await call(t, 'GET', p.marker.url);
    assert.equal(marker.body.version, 1);
    assert.equal(marker.body.keypoints.length, p.marker.keypoint_count);
    const range = await call(t, 'GET', p.image_url, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(range.status, 206);
    assert.equal(range.headers.get('content-range'), `bytes 1000-1999/${bigImage.length}`);
    assert.ok(range.bytes.equals(bigImage.subarray(1000, 2000)));
    const suffix = await call(t, 'GET', p.image_url, { headers: { range: 'bytes=-10' } });
    assert.ok(suffix.bytes.equals(bigImage.subarray(bigImage.length - 10)));
    const beyond = await call(t, 'GET', p.image_url, { headers: { range: `bytes=${bigImage.length}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${bigImage.length}`);
    assert.equal(beyond.body.error.code, 'VERTEX_ERR_RANGE_NOT_SATISFIABLE');

    const list = await call(t, 'GET', `/portraits?client_id=${clientId}`, { token });
    assert.equal(list.body.total, 1);
    assert.equal((await call(t, 'GET', `/portraits/${p.id}`, { token })).body.id, p.id);
  });

  test('a 5 MB MP4 streams in and back out byte for byte, with Range', async () => {
    const portrait = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    const video = fakeMp4(5 * 1024 * 1024);
    const res = await call(t, 'POST', `/portraits/${portrait.body.id}/videos`, {
      token,
      body: form({ starts_at: '2020-01-01T00:00:00Z', ends_at: '2100-01-01T00:00:00+02:00' }, { field: 'video', bytes: video, filename: 'clip.mp4' }),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.size_bytes, video.length);
    assert.equal(res.body.content_type, 'video/mp4');
    assert.equal(res.body.ends_at, '2099-12-31T22:00:00.000Z');
    const whole = await call(t, 'GET', res.body.url);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.ok(whole.bytes.equals(video));
    const part = await call(t, 'GET', res.body.url, { headers: { range: 'bytes=4194304-' } });
    assert.equal(part.status, 206);
    assert.ok(part.bytes.equals(video.subarray(4194304)));
    const list = await call(t, 'GET', `/portraits/${portrait.body.id}/videos`, { token });
    assert.deepEqual(list.body.items.map((v: any) => v.id), [res.body.id]);
    assert.equal(list.body.total, 1);
  });

  test('deleting a portrait removes its rows and files', async () => {
    const before = await snapshot(t);
    const portrait = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    await call(t, 'POST', `/portraits/${portrait.body.id}/videos`, { token, body: form({}, { field: 'video', bytes: fakeMp4(1000) }) });
    assert.equal((await call(t, 'DELETE', `/portraits/${portrait.body.id}`, { token })).status, 204);
    assert.deepEqual(await snapshot(t), before);
    assert.equal((await call(t, 'GET', portrait.body.image_url)).status, 404);
    assert.equal((await call(t, 'GET', `/ar/${portrait.body.public_id}`)).status, 404);
  });

  test('deleting a client removes its portraits, videos and files', async () => {
    const before = await snapshot(t);
    const cid = await newClient(t, token, 'temporary');
    const portrait = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(cid) }, { field: 'image', bytes: await smallJpeg() }) });
    await call(t, 'POST', `/portraits/${portrait.body.id}/videos`, { token, body: form({}, { field: 'video', bytes: fakeMp4(1000) }) });
    assert.equal((await call(t, 'GET', `/ar/${portrait.body.public_id}`)).status, 200);
    assert.equal((await call(t, 'DELETE', `/clients/${cid}`, { token })).status, 204);
    assert.deepEqual(await snapshot(t), before);
    assert.equal((await call(t, 'GET', `/ar/${portrait.body.public_id}`)).status, 404);
  });

  test("another user's portrait is 404 and they cannot upload into it", async () => {
    const portrait = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    const other = (await newUser(t)).token;
    const before = await snapshot(t);
    assert.equal((await call(t, 'GET', `/portraits/${portrait.body.id}`, { token: other })).status, 404);
    assert.equal((await call(t, 'DELETE', `/portraits/${portrait.body.id}`, { token: other })).status, 404);
    assert.equal((await call(t, 'GET', `/portraits/${portrait.body.id}/videos`, { token: other })).status, 404);
    const up = await call(t, 'POST', `/portraits/${portrait.body.id}/videos`, { token: other, body: form({}, { field: 'video', bytes: fakeMp4(1000) }) });
    assert.equal(up.status, 404);
    const intoClient = await call(t, 'POST', '/portraits', { token: other, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    assert.equal(intoClient.status, 404);
    assert.deepEqual(await snapshot(t), before);
  });

  test('path tricks in file names and keys never reach the filesystem', async () => {
    const res = await call(t, 'POST', '/portraits', {
      token,
      body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg(), filename: '../../../evil.jpg' }),
    });
    assert.equal(res.status, 201);
    assert.match(res.body.image_url, /^\/files\/img-[0-9a-f]{32}\.jpg$/);
    assert.deepEqual((await readdir(join(t.dataDir, '..'))).filter((n) => n === 'evil.jpg'), []);
    for (const key of ['..%2F..%2Fetc%2Fpasswd', '..%2E', '%2e%2e%2fvertex-ar.sqlite', 'jwt-secret', 'img-abc.jpg', 'IMG-0123456789abcdef0123456789abcdef.jpg']) {
      const r = await call(t, 'GET', `/files/${key}`);
      assert.equal(r.status, 400, key);
      assert.equal(r.body.error.code, 'VERTEX_ERR_VALIDATION');
    }
    for (const path of ['/files/../vertex-ar.sqlite', '/files/..%2f..%2fjwt-secret', '/files/img-0123456789abcdef0123456789abcdef.jpg']) {
      const r = await call(t, 'GET', path);
      assert.ok(r.status === 400 || r.status === 404, `${path} ${r.status}`);
      assert.ok(r.body.error, path);
    }
  });
});
