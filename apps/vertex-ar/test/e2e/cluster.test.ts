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
    // --log: every request a worker takes on is logged, which tells a cut response from a refused connection.
    s = await startCli(['--workers', String(WORKERS), '--graceful-timeout', '20', '--log']);
  });
  after(() => s.stop());

  test('the start line reports the effective settings; requests reach every worker', async () => {
    assert.match(s.stdout(), new RegExp(`settings preset=null workers=${WORKERS} keep_alive_timeout_s=5 concurrency_limit=0 backlog=2048 graceful_shutdown_timeout_s=20 db=sqlite cache=lru storage=local`));
    assert.equal((await workerPids(s.url)).size, WORKERS);
  });

  test('a write on one worker is read back by every worker (invalidation relayed with acks)', async () => {
    await checkInvalidationAcrossWorkers(s.url, 'lru_user');
  });

  test('failed logins are limited once for the cluster: the 11th failure is 429 whichever worker takes it', async () => {
    await cliUser(s.url, 'limited_user');
    const attempt = () => fresh(`${s.url}/auth/login`, 'POST', { body: JSON.stringify({ username: 'limited_user', password: 'wrong-password' }) });
    // Fresh connections go round-robin: the ten failures are spread over both workers.
    for (let i = 0; i < 10; i++) assert.equal((await attempt()).status, 401, `failure ${i + 1}`);
    for (let i = 0; i < 2 * WORKERS; i++) {
      const blocked = await attempt();
      assert.equal(blocked.status, 429, `attempt ${11 + i}: ${blocked.body}`);
      assert.ok(Number(blocked.headers['retry-after']) > 0);
    }
    // The right password is refused too while the pair is blocked, on every worker.
    const right = await fresh(`${s.url}/auth/login`, 'POST', { body: JSON.stringify({ username: 'limited_user', password: 'correct-horse' }) });
    assert.equal(right.status, 429);
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

  test('SIGTERM under load: in-flight requests finish, no response is cut or refused with 5xx, exit 0', async (t) => {
    const token = await cliUser(s.url, 'sigterm_user');
    // Slow requests: headers now, body dribbled over 1.5 s, so they are in flight when SIGTERM lands.
    let midBody = 0;
    const slow = Array.from({ length: 6 }, (_, i) => slowPost(`${s.url}/clients`, token, JSON.stringify({ name: `slow ${i}` }), 1500, () => midBody++));
    let stop = false;
    // Issue #24: a reset used to count as "refused", but a response cut mid-flight is a reset too. Each probe has
    // its own id in the URL; the server logs every request it takes on (--log), so a probe that failed without a
    // response is "refused" only if no worker ever logged it (reset in the accept queue, or refused at connect).
    const outcomes = { ok: new Set<number>(), failed: new Map<number, Probe>(), other: [] as string[] };
    let next = 0;
    const loops = Array.from({ length: 8 }, async () => {
      // Bounded: stops at `stop`, and never sends more than 2,000 probes per loop.
      for (let n = 0; !stop && n < 2000; n++) {
        const id = next++;
        const probe = await probeOnce(`${s.url}/health/live?probe=${id}`);
        if (probe.status === 200 && probe.body === '{"status":"ok"}') outcomes.ok.add(id);
        else if (probe.status !== undefined) outcomes.other.push(`${probe.status} ${probe.body}`);
        else {
          outcomes.failed.set(id, probe);
          if (probe.code === 'ECONNREFUSED') await sleep(20);
        }
      }
    });
    // SIGTERM once the probes are being answered and every slow POST is halfway through its body.
    for (let i = 0; i < 600 && (outcomes.ok.size < 16 || midBody < 6); i++) await sleep(50);
    assert.ok(outcomes.ok.size >= 16 && midBody === 6, `before SIGTERM: ${outcomes.ok.size} probes answered, ${midBody} slow POSTs mid-body`);
    const exit = s.stop();
    const results = await Promise.all(slow);
    assert.deepEqual(results.map((r) => r.status), results.map(() => 201), JSON.stringify(results));
    assert.equal(await exit, 0, s.stderr());
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(outcomes.other, []);
    // A response begun is a response cut; so is a probe some worker logged as received and never answered.
    const taken = new Set([...s.stdout().matchAll(/"url":"\/health\/live\?probe=(\d+)"/g)].map((m) => Number(m[1])));
    const codes = [...outcomes.failed.values()].map((p) => `${p.code}/${p.phase}`);
    t.diagnostic(`${outcomes.ok.size} probes answered, ${outcomes.failed.size} refused (${[...new Set(codes)].join(', ')}), ${taken.size} logged by the workers`);
    const cut = [...outcomes.failed].filter(([id, p]) => p.headersReceived || taken.has(id)).map(([id, p]) => `probe ${id}: ${p.code} (${p.phase})`);
    assert.deepEqual(cut, [], `${cut.length} responses cut of ${outcomes.ok.size + outcomes.failed.size} probes`);
    // Every probe a worker took on was answered in full (and each answered one is in the log: it is read right).
    const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);
    assert.deepEqual(sorted(taken), sorted(outcomes.ok), 'the probes the workers logged are exactly those answered');
  });
});

/** How one probe ended: a response, or an error and how far the exchange had got. */
interface Probe {
  status?: number;
  body?: string;
  code?: string;
  /** 'connecting': no socket yet; 'sent': the request written, no response; 'headers': the response had begun. */
  phase: 'connecting' | 'sent' | 'headers';
  headersReceived: boolean;
}

/** One GET on a fresh connection that never rejects: it reports how far it got. */
function probeOnce(url: string): Promise<Probe> {
  return new Promise((resolve) => {
    const probe: Probe = { phase: 'connecting', headersReceived: false };
    const req = request(url, { agent: false }, (res) => {
      probe.phase = 'headers';
      probe.headersReceived = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ ...probe, status: res.statusCode!, body }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ ...probe, code: err.code ?? String(err) }));
    });
    req.on('finish', () => (probe.phase = 'sent'));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ...probe, code: err.code ?? String(err) }));
    req.end();
  });
}

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

/** POST with the body sent in pieces over `spreadMs` (`onMidBody` after the 2nd of 5); resolves with the status once answered. */
function slowPost(url: string, token: string, body: string, spreadMs: number, onMidBody: () => void): Promise<{ status: number; body: string }> {
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
      if (++i === 2) onMidBody();
      if (i < pieces) setTimeout(next, spreadMs / pieces);
      else req.end();
    };
    req.flushHeaders();
    setTimeout(next, 50);
  });
}
