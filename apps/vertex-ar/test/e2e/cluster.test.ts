// Issue #8: the cluster in production shape — cross-worker cache invalidation (LRU relayed by the
// primary, and Redis), /metrics aggregated over workers and counting exactly, a killed worker
// replaced, SIGTERM under load losing no accepted request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliUser, fresh, startCli, type CliServer } from '../support/cli-server.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';

const WORKERS = 2;

async function workerPids(url: string, rounds = 6): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < rounds; i++) pids.add(JSON.parse((await fresh(`${url}/health`)).body).worker.pid);
  return pids;
}

/** Write on one worker, then read on every worker: all must see the new value. */
async function checkInvalidationAcrossWorkers(url: string, username: string): Promise<void> {
  const token = await cliUser(url, username);
  const created = await fresh(`${url}/clients`, 'POST', { token, body: JSON.stringify({ name: 'old name' }) });
  const id = JSON.parse(created.body).id;
  // Round-robin over fresh connections: every worker reads (and caches) the list a few times.
  for (let i = 0; i < 4 * WORKERS; i++) assert.equal(JSON.parse((await fresh(`${url}/clients`, 'GET', { token })).body).items[0].name, 'old name');
  for (let round = 0; round < 3; round++) {
    const name = `new name ${round}`;
    const patched = await fresh(`${url}/clients/${id}`, 'PATCH', { token, body: JSON.stringify({ name }) });
    assert.equal(patched.status, 200);
    for (let i = 0; i < 2 * WORKERS; i++) {
      assert.equal(JSON.parse((await fresh(`${url}/clients`, 'GET', { token })).body).items[0].name, name, `read ${i} after write ${round}`);
    }
  }
}

describe(`cluster of ${WORKERS} workers, in-process LRU`, () => {
  let s: CliServer;
  before(async () => {
    s = await startCli(['--workers', String(WORKERS), '--graceful-timeout', '20']);
  });
  after(() => s.stop());

  test('the start line reports the effective settings; requests reach every worker', async () => {
    assert.match(s.stdout(), new RegExp(`settings preset=null workers=${WORKERS} keep_alive_timeout_s=5 concurrency_limit=0 backlog=2048 graceful_shutdown_timeout_s=20 db=sqlite cache=lru storage=local`));
    assert.equal((await workerPids(s.url)).size, WORKERS);
  });

  test('a write on one worker is read back by every worker (invalidation relayed with acks)', async () => {
    await checkInvalidationAcrossWorkers(s.url, 'lru_user');
  });

  test('/metrics aggregates all workers, passes promtool and counts exactly the requests sent', async (t) => {
    const sent = 37;
    for (let i = 0; i < sent; i++) assert.equal((await fresh(`${s.url}/health/live`)).status, 200);
    await fresh(`${s.url}/nope/123`);
    const scrape = await fresh(`${s.url}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(String(scrape.headers['content-type']), /^text\/plain/);
    const line = (route: string, status: number) => new RegExp(`^http_requests_total\\{route="${route.replace(/\//g, '\\/')}",method="GET",status="${status}"\\} (\\d+)$`, 'm');
    assert.equal(Number(line('/health/live', 200).exec(scrape.body)?.[1]), sent);
    // 404s are labelled by a fixed name, never by the raw URL.
    assert.equal(Number(line('unmatched', 404).exec(scrape.body)?.[1]), 1);
    assert.doesNotMatch(scrape.body, /nope\/123/);
    for (const name of ['http_request_duration_seconds_bucket', 'http_requests_in_flight', 'cache_hits_total', 'db_query_duration_seconds_count', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      assert.match(scrape.body, new RegExp(`^${name}`, 'm'), name);
    }
    const check = promtoolCheckMetrics(scrape.body);
    if (check.missing) return t.skip(check.hint);
    assert.equal(check.status, 0, check.output);
  });

  test('a killed worker is replaced', async () => {
    const before = await workerPids(s.url);
    const [victim] = before;
    process.kill(victim, 'SIGKILL');
    await s.waitForStderr(new RegExp(`pid ${victim}\\) died \\(SIGKILL\\); starting a replacement`));
    let after = new Set<number>();
    for (let i = 0; i < 100 && (after.size < WORKERS || after.has(victim)); i++) {
      await sleep(100);
      after = await workerPids(s.url).catch(() => new Set<number>());
    }
    assert.equal(after.size, WORKERS);
    assert.ok(!after.has(victim));
  });

  test('SIGTERM under load: in-flight requests finish, no response is cut or refused with 5xx, exit 0', async () => {
    const token = await cliUser(s.url, 'sigterm_user');
    // Slow requests: headers now, body dribbled over 1.5 s, so they are in flight when SIGTERM lands.
    const slow = Array.from({ length: 6 }, (_, i) => slowPost(`${s.url}/clients`, token, JSON.stringify({ name: `slow ${i}` }), 1500));
    let stop = false;
    const outcomes = { ok: 0, refused: 0, other: [] as string[] };
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          const r = await fresh(`${s.url}/health/live`);
          if (r.status === 200 && r.body === '{"status":"ok"}') outcomes.ok++;
          else outcomes.other.push(`${r.status} ${r.body}`);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          // Connections the server never took on: refused once the listener closed, or reset while queued.
          if (code === 'ECONNREFUSED' || code === 'ECONNRESET') {
            outcomes.refused++;
            if (code === 'ECONNREFUSED') await sleep(20);
          } else outcomes.other.push(String(err));
        }
      }
    });
    await sleep(400);
    const okBefore = outcomes.ok;
    const exit = s.stop();
    const results = await Promise.all(slow);
    assert.deepEqual(results.map((r) => r.status), results.map(() => 201), JSON.stringify(results));
    assert.equal(await exit, 0, s.stderr());
    stop = true;
    await Promise.all(loops);
    assert.ok(okBefore > 0);
    assert.deepEqual(outcomes.other, []);
  });
});

describe(`cluster of ${WORKERS} workers, Redis cache`, () => {
  let s: CliServer | undefined;
  let skip: string | false = false;
  before(async () => {
    try {
      s = await startCli(['--workers', String(WORKERS), '--cache', 'redis://127.0.0.1:6379'], { CACHE_PREFIX: `vertex-test-${process.pid}:` });
    } catch (err) {
      if (process.env.CI) throw err;
      skip = `Redis not reachable on 127.0.0.1:6379; start it (redis-server --daemonize yes) to run this test (${(err as Error).message.split('\n')[0]})`;
    }
  });
  after(() => s?.stop());

  test('a write on one worker is read back by every worker (deleted before the response)', async (t) => {
    if (skip || !s) return t.skip(skip || 'no server');
    assert.match(s.stdout(), /cache=redis/);
    await checkInvalidationAcrossWorkers(s.url, 'redis_user');
  });
});

/** POST with the body sent in pieces over `spreadMs`; resolves with the status once answered. */
function slowPost(url: string, token: string, body: string, spreadMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(body);
    const req = request(url, {
      method: 'POST', agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': bytes.length },
    }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    const pieces = 5;
    const size = Math.ceil(bytes.length / pieces);
    let i = 0;
    const next = () => {
      req.write(bytes.subarray(i * size, (i + 1) * size));
      if (++i < pieces) setTimeout(next, spreadMs / pieces);
      else req.end();
    };
    req.flushHeaders();
    setTimeout(next, 50);
  });
}
