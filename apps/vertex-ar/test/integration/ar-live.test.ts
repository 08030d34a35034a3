// Live AR content updates: a viewer of /ar/:publicId subscribes over WebSocket at /ar/:publicId/live and is told
// when the active video changes — a schedule edit, an upload, a window that opens with time, a deletion.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import { call, newClient, newUser, startTestServer, type TestServer } from '../support/test-server.ts';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';

const { WebSocket } = createRequire(import.meta.url)('undici') as typeof Undici;

/** A viewer: its messages in order, and a way to wait for the next one. */
class Viewer {
  readonly messages: any[] = [];
  private readonly waiting: Array<(m: any) => void> = [];
  closeCode = 0;
  readonly ws: Undici.WebSocket;
  readonly opened: Promise<void>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener('open', () => resolve());
      this.ws.addEventListener('close', () => reject(new Error('refused')));
    });
    this.ws.addEventListener('message', (e) => {
      const m = JSON.parse(String(e.data));
      const w = this.waiting.shift();
      if (w) w(m);
      else this.messages.push(m);
    });
    this.ws.addEventListener('close', (e) => {
      this.closeCode = e.code;
    });
  }
  next(timeoutMs = 3_000): Promise<any> {
    const queued = this.messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }
}

let t: TestServer;
let token: string;
let portraitId: number;
let publicId: string;
const viewers: Viewer[] = [];

async function upload(fields: Record<string, string>): Promise<number> {
  const r = await call(t, 'POST', `/portraits/${portraitId}/videos`, { token, body: form(fields, { field: 'video', bytes: fakeMp4(2000) }) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function viewer(): Promise<Viewer> {
  const v = new Viewer(`${t.url.replace('http:', 'ws:')}/ar/${publicId}/live`);
  viewers.push(v);
  await v.opened;
  return v;
}

before(async () => {
  t = await startTestServer();
  token = (await newUser(t)).token;
  const clientId = await newClient(t, token);
  const p = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
  assert.equal(p.status, 201);
  portraitId = p.body.id;
  publicId = p.body.public_id;
});
after(async () => {
  for (const v of viewers) v.ws.close();
  await t.close();
});

test('a viewer is told the active video at once, and again on every change, with the body of GET /ar/:id', async () => {
  const fallback = await upload({});
  const a = await viewer();
  const b = await viewer();
  for (const v of [a, b]) {
    const first = await v.next();
    assert.deepEqual(first, { type: 'video', public_id: publicId, video: (await call(t, 'GET', `/ar/${publicId}`)).body.video });
    assert.equal(first.video.id, fallback);
    assert.equal(first.video.portrait_id, undefined);
  }
  // An upload whose window is open now becomes the active video: both viewers hear it.
  const scheduled = await upload({ starts_at: '2020-01-01T00:00:00Z', ends_at: '2999-01-01T00:00:00Z' });
  for (const v of [a, b]) assert.equal((await v.next()).video.id, scheduled);
  // Moving its schedule into the past brings the fallback back, told right after the PATCH answered.
  const startMs = performance.now();
  const moved = await call(t, 'PATCH', `/videos/${scheduled}/schedule`, { token, json: { starts_at: '2000-01-01T00:00:00Z', ends_at: '2000-06-01T00:00:00Z' } });
  assert.equal(moved.status, 200);
  for (const v of [a, b]) assert.equal((await v.next()).video.id, fallback);
  assert.ok(performance.now() - startMs < 900, 'told by the write, not by the once-a-second check');
  // A change that does not touch the active video sends nothing.
  await call(t, 'PATCH', `/videos/${scheduled}/schedule`, { token, json: { starts_at: '2001-01-01T00:00:00Z', ends_at: '2001-06-01T00:00:00Z' } });
  // A window that opens with time is told without any write.
  const soon = new Date(Date.now() + 1_200).toISOString();
  const later = await upload({ starts_at: soon, ends_at: '2999-01-01T00:00:00Z' });
  const opened = await a.next(4_000);
  assert.equal(opened.video.id, later);
  assert.ok(Date.now() >= Date.parse(soon), 'not before its start');
  assert.equal((await b.next(4_000)).video.id, later);
  assert.deepEqual([a.messages, b.messages], [[], []]);
});

test('a ping is answered with a pong', async () => {
  const v = await viewer();
  await v.next();
  v.ws.send(JSON.stringify({ type: 'ping' }));
  assert.deepEqual(await v.next(), { type: 'pong' });
});

test('without an upgrade the endpoint answers 426; an unknown portrait cannot be watched', async () => {
  const plain = await call(t, 'GET', `/ar/${publicId}/live`);
  assert.equal(plain.status, 426);
  assert.equal(plain.body.error.code, 'VERTEX_ERR_UPGRADE_REQUIRED');
  const unknown = new Viewer(`${t.url.replace('http:', 'ws:')}/ar/unknown-portrait/live`);
  await assert.rejects(unknown.opened, /refused/);
  const openapi = await call(t, 'GET', '/openapi.json');
  assert.ok(openapi.body.paths['/ar/{publicId}/live'], 'documented in the OpenAPI document');
});

test('deleting the portrait tells its viewers it is gone and closes them with 4404', async () => {
  const v = await viewer();
  await v.next();
  const removed = await call(t, 'DELETE', `/portraits/${portraitId}`, { token });
  assert.ok(removed.status < 300, String(removed.status));
  assert.deepEqual(await v.next(), { type: 'gone', public_id: publicId });
  for (let i = 0; i < 100 && v.closeCode === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(v.closeCode, 4404);
});
