// Cookies round-trip per session; multipart bodies are parsed correctly by an independent parser on the server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHttpSession } from '../../src/http/session.ts';
import { FakeRecorder } from '../fixtures/fake-recorder.ts';
import { listenFixture } from '../fixtures/fixture-server.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';

describe('cookies', () => {
  it('Set-Cookie is sent back on later requests of the same session only; Max-Age=0 deletes', async () => {
    const server = await startCountingServer({
      '/login': { headers: { 'set-cookie': ['sid=abc123; Path=/; HttpOnly; SameSite=Lax', 'theme=dark'] } },
      '/logout': { headers: { 'set-cookie': 'sid=; Max-Age=0; Path=/' } },
    });
    const recorder = new FakeRecorder();
    const alice = createHttpSession({ baseUrl: server.url, recorder });
    const bob = createHttpSession({ baseUrl: server.url, recorder });
    try {
      await alice.post('/login');
      assert.equal(server.last('POST', '/login')!.headers.cookie, undefined);
      await alice.get('/me');
      assert.equal(server.last('GET', '/me')!.headers.cookie, 'sid=abc123; theme=dark');
      assert.deepEqual([...alice.cookies], [['sid', 'abc123'], ['theme', 'dark']]);
      await bob.get('/me');
      assert.equal(server.last('GET', '/me')!.headers.cookie, undefined);
      await alice.post('/logout');
      await alice.get('/me');
      assert.equal(server.last('GET', '/me')!.headers.cookie, 'theme=dark');
      alice.cookies.set('extra', '1');
      await alice.get('/me');
      assert.equal(server.last('GET', '/me')!.headers.cookie, 'theme=dark; extra=1');
    } finally {
      await alice.close();
      await bob.close();
      await server.close();
    }
  });

  it('an expired Expires deletes; Max-Age wins over Expires', async () => {
    const server = await startCountingServer({
      '/set': { headers: { 'set-cookie': ['a=1', 'b=2', 'c=3'] } },
      '/expire': {
        headers: {
          'set-cookie': ['a=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'b=y; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60'],
        },
      },
    });
    const session = createHttpSession({ baseUrl: server.url, recorder: new FakeRecorder() });
    try {
      await session.get('/set');
      await session.get('/expire');
      assert.deepEqual([...session.cookies], [['b', 'y'], ['c', '3']]);
    } finally {
      await session.close();
      await server.close();
    }
  });
});

describe('multipart', () => {
  it('fields and file parts (filename, content-type, every byte value) arrive intact', async () => {
    const received: { contentType?: string; form?: FormData } = {};
    const server = await listenFixture(
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          received.contentType = req.headers['content-type'];
          // An independent parser (the platform's fetch Response) judges what we built.
          const body = Buffer.concat(chunks);
          received.form = await new Response(body, { headers: { 'content-type': received.contentType! } }).formData();
          res.end('stored');
        });
      }),
    );
    const recorder = new FakeRecorder();
    const session = createHttpSession({ baseUrl: server.url, recorder });
    const image = new Uint8Array(1024);
    for (let i = 0; i < image.length; i++) image[i] = i % 256;
    try {
      const res = await session.post('/portraits', {
        multipart: {
          client_id: '42',
          note: 'héllo "quoted"\r\nline',
          image: { data: image, filename: 'face.png', contentType: 'image/png' },
          blob: { data: new Uint8Array([0x2d, 0x2d, 0x0d, 0x0a]) },
        },
      });
      assert.equal(res.text(), 'stored');
      assert.match(received.contentType!, /^multipart\/form-data; boundary=-+StampedeBoundary[0-9a-f]{24}$/);
      const form = received.form!;
      assert.equal(form.get('client_id'), '42');
      assert.equal(form.get('note'), 'héllo "quoted"\r\nline');
      const file = form.get('image') as File;
      assert.equal(file.name, 'face.png');
      assert.equal(file.type, 'image/png');
      assert.deepEqual(new Uint8Array(await file.arrayBuffer()), image);
      const blob = form.get('blob') as File;
      assert.equal(blob.name, 'blob');
      assert.equal(blob.type, 'application/octet-stream');
      assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [0x2d, 0x2d, 0x0d, 0x0a]);
      assert.equal(recorder.calls.length, 1);
    } finally {
      await session.close();
      await server.close();
    }
  });
});
