/**
 * Issue #19, item 9: distributed mode no longer trusts Redis blindly. Malformed data is logged and ignored, a
 * replayed entry is taken once (sequence numbers), and with a cluster key an entry without a valid MAC is dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../src/logger.ts';
import { parseLease } from '../../src/cluster/keys.ts';
import { connectRedis } from '../../src/cluster/redis-connection.ts';
import { StreamReader, StreamWriter } from '../../src/cluster/stream-channel.ts';

const REDIS = process.env.STAMPEDE_TEST_REDIS ?? 'redis://127.0.0.1:6379';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message) => lines.push(`${level}: ${message}`) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), what);
}

test('a malformed master lease is no lease: non-JSON, wrong shapes', () => {
  for (const raw of ['not json{', '42', 'null', '{"runId": 7}', '{"runId":"has spaces and ;"}']) assert.equal(parseLease(raw), undefined, raw);
  assert.equal(parseLease(null), undefined);
  assert.equal(parseLease('{"runId":"abc-123","host":"h","pid":1,"startedAt":2}')?.runId, 'abc-123');
});

test('a replayed entry is taken once; malformed entries are logged and skipped', async () => {
  const redis = await connectRedis(REDIS, { name: 'test-auth' });
  const stream = `test-auth-${randomBytes(6).toString('hex')}`;
  const logger = recordingLogger();
  const got: unknown[] = [];
  const reader = new StreamReader<{ type: string }>(redis, stream, (m) => got.push(m), logger, { auth: { runId: 'r1' } });
  try {
    const writer = new StreamWriter(redis, 'w1', { runId: 'r1' });
    await writer.send(stream, { type: 'snapshot', seq: 1 });
    await until(() => got.length === 1, 'the first entry arrives');
    // Replay it verbatim, and add garbage.
    const [[, fields]] = (await redis.xrange(stream, '-', '+')) as [string, string[]][];
    await redis.xadd(stream, '*', ...fields!);
    await redis.xadd(stream, '*', 'm', 'not json{', 's', 'w1', 'n', '9');
    await redis.xadd(stream, '*', 'junk', 'x');
    await writer.send(stream, { type: 'snapshot', seq: 2 });
    await until(() => got.length === 2, 'the next real entry arrives');
    assert.deepEqual(got, [{ type: 'snapshot', seq: 1 }, { type: 'snapshot', seq: 2 }]);
    assert.equal(reader.dropped, 3);
    assert.match(logger.lines.join('\n'), /replayed or repeated entry 1 of w1/);
  } finally {
    await reader.close();
    await redis.del(stream);
    redis.disconnect();
  }
});

test('with a cluster key: entries without a valid MAC, or of another run, are dropped', async () => {
  const redis = await connectRedis(REDIS, { name: 'test-auth' });
  const stream = `test-auth-${randomBytes(6).toString('hex')}`;
  const key = Buffer.from('a shared secret of the test');
  const logger = recordingLogger();
  const got: unknown[] = [];
  const reader = new StreamReader<{ type: string }>(redis, stream, (m) => got.push(m), logger, { auth: { runId: 'r1', key } });
  try {
    await new StreamWriter(redis, 'intruder', { runId: 'r1' }).send(stream, { type: 'register' });
    await new StreamWriter(redis, 'wrong-key', { runId: 'r1', key: Buffer.from('another secret entirely') }).send(stream, { type: 'register' });
    await new StreamWriter(redis, 'other-run', { runId: 'r0', key }).send(stream, { type: 'register' });
    await redis.xadd(stream, '*', 'm', '{"type":"register"}');
    await new StreamWriter(redis, 'w1', { runId: 'r1', key }).send(stream, { type: 'ready' });
    await until(() => got.length === 1, 'the authenticated entry arrives');
    assert.deepEqual(got, [{ type: 'ready' }]);
    assert.equal(reader.dropped, 4);
    assert.match(logger.lines.join('\n'), /no valid MAC \(sender intruder\)/);
  } finally {
    await reader.close();
    await redis.del(stream);
    redis.disconnect();
  }
});
