// An upload racing the delete of what it belongs to: the parent is gone when the row is inserted, and its foreign
// key refuses it. That is the client's 404, as if the delete had come first — never a 500 — and nothing is left.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, describeEachDatabase, newClient, newUser, snapshot, startTestServer, type TestServer } from '../support/test-server.ts';
import { fakeMp4, form, smallJpeg } from '../support/media.ts';
import { defaultPortraitGenerator } from '../../src/uploads/portrait-generator.ts';

describeEachDatabase('uploads racing a delete', (db) => {
  let t: TestServer;
  let token: string;
  // Runs between the portrait's generation and its row: where a concurrent delete lands in real life.
  let afterGeneration: (() => Promise<void>) | undefined;
  before(async () => {
    t = await startTestServer({
      generatePortraitAssets: async (image) => {
        const assets = await defaultPortraitGenerator(image);
        await afterGeneration?.();
        return assets;
      },
    }, db);
    token = (await newUser(t)).token;
  });
  after(() => t.close());

  test('a portrait whose client is deleted while it is generated: 404, no row, no file', async () => {
    const clientId = await newClient(t, token);
    const before = await snapshot(t);
    afterGeneration = async () => {
      afterGeneration = undefined;
      assert.equal((await call(t, 'DELETE', `/clients/${clientId}`, { token })).status, 204);
    };
    const res = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.deepEqual(res.body.error, { code: 'VERTEX_ERR_NOT_FOUND', message: 'client not found' });
    const now = await snapshot(t);
    assert.deepEqual(now, { ...before, rows: { ...before.rows, clients: before.rows.clients - 1 } }, 'only the client is gone');
  });

  test('a video whose portrait is deleted while it streams in: 404, no row, no file', async () => {
    const clientId = await newClient(t, token);
    const portrait = await call(t, 'POST', '/portraits', { token, body: form({ client_id: String(clientId) }, { field: 'image', bytes: await smallJpeg() }) });
    assert.equal(portrait.status, 201);
    const { port } = new URL(t.url);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/portraits/${portrait.body.id}/videos`, headers: {
        authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=race',
      } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write('--race\r\ncontent-disposition: form-data; name="video"; filename="v.mp4"\r\n\r\n');
      req.write(fakeMp4(512 * 1024));
      void (async () => {
        const staging = join(t.dataDir, 'files.staging');
        // The video is being received (its bytes reach staging) when the portrait goes.
        for (let i = 0; i < 600; i++) {
          const names = (await readdir(staging)).filter((n) => !n.startsWith('probe-'));
          if (names.length && (await stat(join(staging, names[0])).catch(() => undefined))?.size) break;
          await sleep(50);
        }
        const before = await snapshot(t);
        assert.equal((await call(t, 'DELETE', `/portraits/${portrait.body.id}`, { token })).status, 204);
        assert.ok((await snapshot(t)).rows.portraits === before.rows.portraits - 1);
        req.end(Buffer.concat([fakeMp4(256 * 1024).subarray(64), Buffer.from('\r\n--race--\r\n')]));
      })().catch(reject);
    });
    const res = await answer;
    assert.equal(res.status, 404, res.body);
    assert.deepEqual(JSON.parse(res.body).error, { code: 'VERTEX_ERR_NOT_FOUND', message: 'portrait not found' });
    const after = await snapshot(t);
    assert.equal(after.rows.videos, 0);
    assert.deepEqual(after.files.filter((f) => /^files\.staging\/[^p]/.test(f)), [], 'nothing staged (readiness probes aside)');
  });
});
