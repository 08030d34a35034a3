// Issue #2: public AR content, schedules, cache invalidation before the write answers, view counting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, newClient, newUser, startTestServer, type TestServer, describeEachDatabase } from '../support/test-server.ts';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';

/** Uploads a 2,000-byte video to the portrait and checks it was created: 201 and a numeric id. */
async function uploadVideo(t: TestServer, token: string, portraitId: number, fields: Record<string, string>) {
  const r = await call(t, 'POST', `/portraits/${portraitId}/videos`, { token, body: form(fields, { field: 'video', bytes: fakeMp4(2000) }) });
  assert.equal(r.status, 201, `video upload ${JSON.stringify(fields)}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body.id, 'number', JSON.stringify(r.body));
  return r;
}

describeEachDatabase('AR content', (db) => {
  let t: TestServer;
  let token: string;
  let portraitId: number;
  let publicId: string;
  before(async () => {
    t = await startTestServer({ viewFlushIntervalMs: 50 }, db);
    token = (await newUser(t)).token;
    const clientId = await newClient(t, token);
    const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    assert.equal(p.status, 201, `portrait upload: ${JSON.stringify(p.body)}`);
    portraitId = p.body.id;
    publicId = p.body.public_id;
  });
  after(() => t.close());

  // Issue #24: every upload must be a 201 with a new video id; a rejected upload (whose error body has no id) would
  // otherwise make the schedule assertions compare undefined with undefined.
  const upload = (fields: Record<string, string>) => uploadVideo(t, token, portraitId, fields);

  test('is public, 200 right after the upload, with no video yet', async () => {
    const ar = await call(t, 'GET', `/ar/${publicId}`);
    assert.equal(ar.status, 200);
    // Issue 19: served by the public id, which the body names; the row id appears nowhere in it.
    assert.equal(ar.body.public_id, publicId);
    assert.equal(ar.body.portrait_id, undefined);
    assert.match(ar.body.image_url, /^\/files\/img-/);
    assert.match(ar.body.thumbnail_url, /^\/files\/thumb-/);
    assert.match(ar.body.marker.url, /^\/files\/marker-/);
    assert.equal(ar.body.video, null);
  });

  test('picks the active schedule, else the unscheduled fallback; writes invalidate the cache', async () => {
    const fallback = await upload({});
    assert.equal((await call(t, 'GET', `/ar/${publicId}`)).body.video.id, fallback.body.id);
    const past = await upload({ starts_at: '2000-01-01T00:00:00Z', ends_at: '2001-01-01T00:00:00Z' });
    assert.equal((await call(t, 'GET', `/ar/${publicId}`)).body.video.id, fallback.body.id);
    const older = await upload({ starts_at: '2010-01-01T00:00:00Z', ends_at: '2999-01-01T00:00:00Z' });
    assert.equal((await call(t, 'GET', `/ar/${publicId}`)).body.video.id, older.body.id);
    const newer = await upload({ starts_at: '2020-01-01T00:00:00Z', ends_at: '2999-01-01T00:00:00Z' });
    assert.equal((await call(t, 'GET', `/ar/${publicId}`)).body.video.id, newer.body.id);
    // Rescheduling into the past must be visible on the very next read.
    const moved = await call(t, 'PATCH', `/videos/${newer.body.id}/schedule`, { token, json: { starts_at: '2000-01-01T00:00:00Z', ends_at: '2000-06-01T00:00:00Z' } });
    assert.equal(moved.status, 200);
    assert.equal((await call(t, 'GET', `/ar/${publicId}`)).body.video.id, older.body.id);
    assert.equal(new Set([fallback, past, older, newer].map((v) => v.body.id)).size, 4, 'four distinct videos');
  });

  test('bad and unknown ids', async () => {
    // Issue 19: anything but an existing public id, the portrait's own numeric id included, is an unknown portrait.
    for (const id of ['abc', '0', '987654', String(portraitId), 'AAAAAAAAAAAAAAAA', `${publicId}x`]) {
      const r = await call(t, 'GET', `/ar/${id}`);
      assert.equal(r.status, 404, id);
      assert.equal(r.body.error.code, 'VERTEX_ERR_NOT_FOUND');
    }
  });

  test('views are counted in batches without waiting on the database', async () => {
    // Let views from earlier tests flush first (interval 50 ms) so the baseline is stable.
    await sleep(300);
    const before = (await call(t, 'GET', `/portraits/${portraitId}`, { token })).body.view_count;
    for (let i = 0; i < 25; i++) assert.equal((await call(t, 'GET', `/ar/${publicId}`)).status, 200);
    let count = before;
    for (let i = 0; i < 50 && count < before + 25; i++) {
      await sleep(50);
      count = (await call(t, 'GET', `/portraits/${portraitId}`, { token })).body.view_count;
    }
    assert.equal(count, before + 25);
  });
});

describeEachDatabase('AR content, serialized once per entry and active video', (db) => {
  // The clock the app reads; moved by the test, never by a write.
  let clock = Date.parse('2030-01-01T00:00:00Z');
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ now: () => clock }, db);
  });
  after(() => t.close());

  const hits = async () => {
    const text = (await call(t, 'GET', '/metrics')).body as string;
    return Number(/^cache_hits_total\{cache="ar"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  };

  test('the active video follows the clock without a write; every warm read is one counted hit', async () => {
    const { token } = await newUser(t);
    const clientId = await newClient(t, token);
    const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    assert.equal(p.status, 201, `portrait upload: ${JSON.stringify(p.body)}`);
    const upload = (fields: Record<string, string>) => uploadVideo(t, token, p.body.id, fields);
    const fallback = (await upload({})).body;
    const june = (await upload({ starts_at: '2030-06-01T00:00:00Z', ends_at: '2030-07-01T00:00:00Z' })).body;
    const read = async () => {
      const r = await call(t, 'GET', `/ar/${p.body.public_id}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      // Exactly the schema's fields, in its order: what the route's serializer makes of the document.
      const expected = {
        public_id: p.body.public_id,
        image_url: p.body.image_url,
        thumbnail_url: p.body.thumbnail_url,
        marker: { url: p.body.marker.url, width: p.body.marker.width, height: p.body.marker.height, keypoint_count: p.body.marker.keypoint_count },
        video: r.body.video,
      };
      assert.equal(r.bytes.toString('utf8'), JSON.stringify(expected));
      return r.body.video?.id as number | undefined;
    };
    const before = await hits();
    assert.equal(await read(), fallback.id, 'the first read (a miss) answers the fallback');
    assert.equal(await read(), fallback.id);
    clock = Date.parse('2030-06-15T00:00:00Z');
    assert.equal(await read(), june.id, 'inside the schedule, with no write since the entry was cached');
    assert.equal(await read(), june.id);
    clock = Date.parse('2030-07-01T00:00:00Z');
    assert.equal(await read(), fallback.id, 'the end bound is exclusive');
    assert.equal(await hits(), before + 4, 'one miss, then four counted hits');
  });
});

