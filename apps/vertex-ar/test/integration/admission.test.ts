// Issue #8: the per-worker concurrency limit answers 503 with Retry-After past the limit, counts the
// refusals, and admits again once in-flight requests finish.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveTuning } from '../../src/server/config/tuning.ts';
import { call, newUser, startTestServer, type TestServer } from '../support/test-server.ts';

/** Starts a POST whose body arrives only when `finish` is called: a request held in flight. */
function heldRequest(url: string, token: string) {
  const body = Buffer.from(JSON.stringify({ name: 'held' }));
  let finish!: () => void;
  const done = new Promise<number>((resolve, reject) => {
    const req = request(`${url}/clients`, {
      method: 'POST', agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.flushHeaders();
    finish = () => req.end(body);
  });
  return { done, finish: () => finish() };
}

describe('concurrency limit', () => {
  let t: TestServer;
  let token: string;
  before(async () => {
    t = await startTestServer({ tuning: resolveTuning({ concurrencyLimit: 2 }) });
    token = (await newUser(t)).token;
  });
  after(() => t.close());

  test('past the limit: 503 + Retry-After; below it again: served', async () => {
    const held = [heldRequest(t.url, token), heldRequest(t.url, token)];
    // Wait until both are admitted (the server counts them from their headers).
    for (let i = 0; i < 100; i++) {
      const m = await call(t, 'GET', '/health/live');
      if (m.status === 503) break;
      await sleep(20);
    }
    const refused = await call(t, 'GET', '/health/live');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(refused.body.error.code, 'VERTEX_ERR_UNAVAILABLE');
    for (const h of held) h.finish();
    assert.deepEqual(await Promise.all(held.map((h) => h.done)), [201, 201]);
    assert.equal((await call(t, 'GET', '/health/live')).status, 200);
    const metrics = await call(t, 'GET', '/metrics');
    assert.match(metrics.body, /^http_requests_rejected_total\{reason="concurrency_limit"\} [1-9]\d*$/m);
    assert.match(metrics.body, /^http_requests_in_flight 1$/m, 'the scrape itself is the one request in flight');
  });

  test('/health shows the effective limit', async () => {
    const health = await call(t, 'GET', '/health');
    assert.equal(health.body.settings.concurrency_limit, 2);
  });
});
