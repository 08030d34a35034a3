import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffImage, sniffVideo } from '../../src/uploads/sniff.ts';
import { LoginLimiter } from '../../src/auth/login-limiter.ts';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.ts';
import { ViewCounter } from '../../src/ar/view-counter.ts';
import { activeVideo, type ArEntry } from '../../src/ar/ar-content.ts';
import { generateKey, isValidKey } from '../../src/storage/keys.ts';
import { toVertexError } from '../../src/errors.ts';

test('magic-byte sniffing', () => {
  assert.equal(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))?.extension, 'jpg');
  assert.equal(sniffImage(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))?.extension, 'png');
  assert.equal(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))?.extension, 'webp');
  assert.equal(sniffImage(Buffer.from('GIF89a')), undefined);
  assert.equal(sniffVideo(Buffer.from('\0\0\0\x18ftypisom', 'latin1'))?.extension, 'mp4');
  assert.equal(sniffVideo(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0]))?.extension, 'webm');
  assert.equal(sniffVideo(Buffer.from('hello world!')), undefined);
  // An ftyp box must be one: a size of 16 to 4096 in steps of 4, a printable major brand; and no page behind it.
  assert.equal(sniffVideo(Buffer.from('\0\0\0\x0fftypisom', 'latin1')), undefined);
  assert.equal(sniffVideo(Buffer.from('<htmftypisom', 'latin1')), undefined);
  assert.equal(sniffVideo(Buffer.from('\0\0\0\x18ftyp\0\0\0\0', 'latin1')), undefined);
  assert.equal(sniffVideo(Buffer.from('\0\0\0\x18ftypisom<Script>', 'latin1')), undefined);
});

test('login limiter counts failures per address+username within a window (fake clock)', () => {
  let now = 0;
  const limiter = new LoginLimiter({ maxFailures: 2, windowMs: 1000, now: () => now });
  limiter.recordFailure('1.1.1.1', 'a');
  assert.equal(limiter.retryAfterSeconds('1.1.1.1', 'a'), 0);
  limiter.recordFailure('1.1.1.1', 'A');
  assert.equal(limiter.retryAfterSeconds('1.1.1.1', 'a'), 1);
  assert.equal(limiter.retryAfterSeconds('2.2.2.2', 'a'), 0);
  assert.equal(limiter.retryAfterSeconds('1.1.1.1', 'b'), 0);
  now = 1000;
  assert.equal(limiter.retryAfterSeconds('1.1.1.1', 'a'), 0);
  limiter.recordFailure('1.1.1.1', 'a');
  limiter.recordSuccess('1.1.1.1', 'a');
  limiter.recordFailure('1.1.1.1', 'a');
  assert.equal(limiter.retryAfterSeconds('1.1.1.1', 'a'), 0);
});

test('scrypt hashes verify, are salted, and reject other passwords and malformed hashes', async () => {
  const a = await hashPassword('hunter22');
  const b = await hashPassword('hunter22');
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('hunter22', a), true);
  assert.equal(await verifyPassword('hunter23', a), false);
  assert.equal(await verifyPassword('hunter22', 'plain'), false);
});

test('view counter batches and re-queues a failed flush', async () => {
  const flushed: Array<Map<number, number>> = [];
  let fail = true;
  const counter = new ViewCounter(async (m) => {
    if (fail) throw new Error('db down');
    flushed.push(new Map(m));
  }, { flushIntervalMs: 0 });
  counter.record(1);
  counter.record(1);
  counter.record(2);
  await counter.flush();
  assert.equal(counter.pendingCount(), 3);
  fail = false;
  counter.record(1);
  await counter.close();
  assert.deepEqual(flushed, [new Map([[1, 3], [2, 1]])]);
});

test('activeVideo prefers the latest-starting active schedule, then the fallback', () => {
  const v = (id: number, starts_at: string | null, ends_at: string | null) =>
    ({ id, portrait_id: 1, url: '', content_type: 'video/mp4', size_bytes: 1, starts_at, ends_at, created_at: '' });
  const entry: ArEntry = {
    portrait: {} as ArEntry['portrait'],
    scheduled: [v(3, '2020-06-01T00:00:00.000Z', '2020-07-01T00:00:00.000Z'), v(2, '2020-01-01T00:00:00.000Z', null)],
    fallback: v(1, null, null),
  };
  assert.equal(activeVideo(entry, '2020-06-15T00:00:00.000Z')?.id, 3);
  assert.equal(activeVideo(entry, '2020-07-01T00:00:00.000Z')?.id, 2);
  assert.equal(activeVideo(entry, '2019-01-01T00:00:00.000Z')?.id, 1);
});

test('storage keys are random and strictly shaped', () => {
  const key = generateKey('img', 'png');
  assert.ok(isValidKey(key));
  assert.notEqual(key, generateKey('img', 'png'));
  for (const bad of ['../img-0.png', 'img-0123456789abcdef0123456789abcdef.png/..', 'x', '']) assert.equal(isValidKey(bad), false);
});

test('framework errors map to stable codes', () => {
  assert.equal(toVertexError({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }).code, 'VERTEX_ERR_MALFORMED_JSON');
  assert.equal(toVertexError({ code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 }).statusCode, 413);
  assert.equal(toVertexError({ validation: [], message: 'x' }).statusCode, 400);
  assert.equal(toVertexError(new Error('boom')).statusCode, 500);
});
