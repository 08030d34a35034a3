// Issue #2: every rejected upload answers its 4xx and leaves no row and no file behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { call, newClient, newUser, snapshot, startTestServer, type TestServer, describeEachDatabase } from '../support/test-server.ts';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';

const MB = 1024 * 1024;

describeEachDatabase('rejected uploads change nothing', (db) => {
  let t: TestServer;
  let token: string;
  let clientId: number;
  let portraitId: number;
  let videoId: number;
  let jpeg: Buffer;
  before(async () => {
    t = await startTestServer({ limits: { imageMaxBytes: 1 * MB, videoMaxBytes: 2 * MB } }, db);
    token = (await newUser(t)).token;
    clientId = await newClient(t, token);
    jpeg = await smallJpeg();
    const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: jpeg }) });
    portraitId = p.body.id;
    const v = await call(t, 'POST', `/portraits/${portraitId}/videos`, { token, body: form({}, { field: 'video', bytes: fakeMp4(1000) }) });
    videoId = v.body.id;
  });
  after(() => t.close());

  async function expectRejected(status: number, path: string, body: BodyInit, headers?: Record<string, string>): Promise<void> {
    const before = await snapshot(t);
    const res = await call(t, 'POST', path, { token, body, headers });
    assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.error.code, 'string');
    assert.deepEqual(await snapshot(t), before, `${path} left something behind`);
  }

  test('portraits: oversized, mistyped, undecodable, missing or bad fields', async () => {
    const cid = String(clientId);
    const oversized = Buffer.concat([jpeg, randomBytes(MB + 10)]);
    const pngHeaderGarbage = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(5000)]);
    await expectRejected(413, '/portraits', form({ client_id: cid }, { field: 'image', bytes: oversized }));
    await expectRejected(415, '/portraits', form({ client_id: cid }, { field: 'image', bytes: Buffer.from('GIF89a' + 'x'.repeat(100)) }));
    await expectRejected(415, '/portraits', form({ client_id: cid }, { field: 'image', bytes: fakeMp4(4000), type: 'image/jpeg' }));
    await expectRejected(415, '/portraits', form({ client_id: cid }, { field: 'image', bytes: pngHeaderGarbage }));
    await expectRejected(400, '/portraits', form({ client_id: cid }));
    await expectRejected(400, '/portraits', form({}, { field: 'image', bytes: jpeg }));
    await expectRejected(400, '/portraits', form({ client_id: 'abc' }, { field: 'image', bytes: jpeg }));
    await expectRejected(400, '/portraits', form({ client_id: '../1' }, { field: 'image', bytes: jpeg }));
    await expectRejected(400, '/portraits', form({ client_id: cid }, { field: 'photo', bytes: jpeg }));
    await expectRejected(404, '/portraits', form({ client_id: '999999' }, { field: 'image', bytes: jpeg }));
    await expectRejected(415, '/portraits', JSON.stringify({ client_id: clientId }), { 'content-type': 'application/json' });
    await expectRejected(400, '/portraits', '--x\r\nbroken', { 'content-type': 'multipart/form-data; boundary=x' });
  });

  test('videos: oversized, mistyped, tiny, bad schedule, wrong field', async () => {
    const path = `/portraits/${portraitId}/videos`;
    await expectRejected(413, path, form({}, { field: 'video', bytes: fakeMp4(2 * MB + 1) }));
    await expectRejected(415, path, form({}, { field: 'video', bytes: randomBytes(100_000), type: 'video/mp4' }));
    await expectRejected(415, path, form({}, { field: 'video', bytes: jpeg }));
    await expectRejected(415, path, form({}, { field: 'video', bytes: Buffer.from('ftyp') }));
    await expectRejected(400, path, form({ starts_at: '2030-01-01T00:00:00Z', ends_at: '2029-01-01T00:00:00Z' }, { field: 'video', bytes: fakeMp4(1000) }));
    await expectRejected(400, path, form({ starts_at: 'tomorrow' }, { field: 'video', bytes: fakeMp4(1000) }));
    await expectRejected(400, path, form({ ends_at: '2030-01-01' }, { field: 'video', bytes: fakeMp4(1000) }));
    await expectRejected(400, path, form({}, { field: 'clip', bytes: fakeMp4(1000) }));
    await expectRejected(400, path, form({ starts_at: '2030-01-01T00:00:00Z' }));
    await expectRejected(400, path, '--x\r\nbroken', { 'content-type': 'multipart/form-data; boundary=x' });
    await expectRejected(415, path, JSON.stringify({}), { 'content-type': 'application/json' });
    await expectRejected(404, '/portraits/999999/videos', form({}, { field: 'video', bytes: fakeMp4(1000) }));
    await expectRejected(400, '/portraits/abc/videos', form({}, { field: 'video', bytes: fakeMp4(1000) }));
  });

  test('a JPEG declaring 20000×20000 pixels (400 MP) is 413 (too many pixels), not 415, and is never decoded', async () => {
    // A small JPEG whose frame header (SOF0) claims 20000×20000: a decompression bomb as far as the header goes.
    const bomb = Buffer.from(jpeg);
    const sof = bomb.indexOf(Buffer.from([0xff, 0xc0]));
    assert.ok(sof > 0, 'baseline JPEG');
    bomb.writeUInt16BE(20000, sof + 5);
    bomb.writeUInt16BE(20000, sof + 7);
    await expectRejected(413, '/portraits', form({ client_id: String(clientId) }, { field: 'image', bytes: bomb }));
    const res = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: bomb }) });
    assert.equal(res.body.error.code, 'VERTEX_ERR_TOO_LARGE');
    assert.match(res.body.error.message, /pixels/);
  });

  test('HTML behind an MP4 signature is not a video (415), and stored files are served with nosniff', async () => {
    const path = `/portraits/${portraitId}/videos`;
    const ftyp = Buffer.from('\0\0\0\x18ftypisom\0\0\x02\0isomiso2', 'latin1');
    const page = '<!doctype html><html><body><script>fetch("/users/me")</script></body></html>';
    // A well-formed ftyp box, then a page a browser that sniffs would render.
    await expectRejected(415, path, form({}, { field: 'video', bytes: Buffer.concat([ftyp, Buffer.from(page)]), type: 'video/mp4' }));
    await expectRejected(415, path, form({}, { field: 'video', bytes: Buffer.concat([ftyp, Buffer.alloc(600), Buffer.from(`<SCRIPT>alert(1)</SCRIPT>`)]) }));
    // The page first, `ftyp` where a box type would be: its "size" is the text `<htm`, no box is that large.
    await expectRejected(415, path, form({}, { field: 'video', bytes: Buffer.from(`<htmftypisom${page}`) }));

    const videos = await call(t, 'GET', path, { token });
    const file = await call(t, 'GET', videos.body.items[0].url);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'video/mp4');
    assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
    const portrait = await call(t, 'GET', `/portraits/${portraitId}`, { token });
    const image = await call(t, 'GET', portrait.body.image_url, { headers: { range: 'bytes=0-9' } });
    assert.equal(image.status, 206);
    assert.equal(image.headers.get('x-content-type-options'), 'nosniff');
  });

  test('schedule: start must precede end; bad bodies and other users are rejected', async () => {
    const before = await snapshot(t);
    const other = (await newUser(t)).token;
    const after = await snapshot(t);
    assert.equal(after.rows.users, before.rows.users + 1);
    const bad: Array<[number, unknown, string?]> = [
      [400, { starts_at: '2030-01-02T00:00:00Z', ends_at: '2030-01-01T00:00:00Z' }],
      [400, { starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T00:00:00Z' }],
      [400, { starts_at: 'not a date', ends_at: null }],
      [400, { starts_at: '2030-01-01T00:00:00Z' }],
      [400, { starts_at: 1, ends_at: 2 }],
      [404, { starts_at: null, ends_at: null }, other],
    ];
    for (const [status, json, tok] of bad) {
      const res = await call(t, 'PATCH', `/videos/${videoId}/schedule`, { token: tok ?? token, json });
      assert.equal(res.status, status, JSON.stringify(json));
    }
    const video = await call(t, 'GET', `/portraits/${portraitId}/videos`, { token });
    assert.equal(video.body.items[0].starts_at, null);
    const ok = await call(t, 'PATCH', `/videos/${videoId}/schedule`, { token, json: { starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-02-01T00:00:00Z' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.starts_at, '2030-01-01T00:00:00.000Z');
  });
});

describeEachDatabase('default upload limits', (db) => {
  test('a 21 MB image is 413 under the default 20 MB limit', async () => {
    const t = await startTestServer({}, db);
    try {
      const token = (await newUser(t)).token;
      const clientId = await newClient(t, token);
      const before = await snapshot(t);
      const big = Buffer.concat([await smallJpeg(), randomBytes(21 * MB)]);
      const res = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: big }) });
      assert.equal(res.status, 413);
      assert.equal(res.body.error.code, 'VERTEX_ERR_TOO_LARGE');
      assert.deepEqual(await snapshot(t), before);
    } finally {
      await t.close();
    }
  });
});
