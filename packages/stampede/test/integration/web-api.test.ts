// Issue 5: the web UI's API over real sockets — every endpoint's JSON, the actions (start, edit, reset, stop, start
// again), the downloads, the live stream, and the report files written on the "signal" (exit 4 mid-test).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { action, pageToken, rawRequest, startWebHarness, VERTEX_SCRIPT, waitFor, type WebHarness } from './web-harness.ts';
import type { StatsResponse, StatusResponse, ChartPoint } from '../../src/web/api-types.ts';

let target: CountingServer;
let web: WebHarness;
let token: string;
const reportDir = mkdtempSync(path.join(tmpdir(), 'stampede-web-reports-'));

const get = async <T>(route: string): Promise<T> => {
  const res = await rawRequest(new URL(route, web.url).href);
  assert.equal(res.status, 200, `${route}: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return JSON.parse(res.body) as T;
};

before(async () => {
  target = await startCountingServer({ '/missing-page': { status: 404 } });
  web = await startWebHarness(VERTEX_SCRIPT, target.url, {
    users: 4,
    runTime: '5m',
    json: path.join(reportDir, 'out.json'),
    csv: path.join(reportDir, 'out'),
    html: path.join(reportDir, 'out.html'),
  });
  token = await pageToken(web.url);
});

after(async () => {
  await web?.stop();
  await target?.close();
  rmSync(reportDir, { recursive: true, force: true });
});

describe('before a test', () => {
  it('prints the URL on 127.0.0.1 and reports ready with the command line as form defaults', async () => {
    assert.match(web.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const s = await get<StatusResponse>('/api/status');
    assert.equal(s.state, 'ready');
    assert.equal(s.testNumber, 0);
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    assert.deepEqual({ ...s.defaults, classes: [...s.defaults.classes].sort(byName) }, {
      users: 4, spawnRate: 10, host: target.url, runTime: '300s',
      classes: [{ name: 'Prober', weight: 1, fixedCount: 0 }, { name: 'Visitor', weight: 1, fixedCount: 0 }],
    });
    assert.deepEqual(s.downloads, { csv: false, json: false, html: false });
    const stats = await get<StatsResponse>('/api/stats');
    assert.deepEqual(stats.rows, []);
    assert.equal(stats.totals.name, 'Aggregated');
    assert.deepEqual(await get('/api/history'), []);
    const dl = await rawRequest(new URL('/download/stats.csv', web.url).href);
    assert.equal(dl.status, 404);
    // Issue 10: workers belong to the master's UI; a local run says so in one line.
    assert.equal(s.workers, undefined);
    const workers = await rawRequest(new URL('/api/workers', web.url).href);
    assert.equal(workers.status, 404);
    assert.match(JSON.parse(workers.body).error.message, /^no workers: this is a local run/);
  });

  it('refuses bad start requests with a one-line JSON error', async () => {
    for (const [body, pattern] of [
      [{ users: 0, spawnRate: 1 }, /users must be/],
      [{ users: 2, spawnRate: 0 }, /spawn rate must be/],
      [{ users: 2, spawnRate: 1, host: 'ftp://x' }, /host must be/],
      [{ users: 2, spawnRate: 1, runTime: 'soon' }, /run time 'soon'/],
      [{ users: 2, spawnRate: 1, userClasses: ['Nobody'] }, /unknown user class 'Nobody'/],
    ] as const) {
      const res = await action(web.url, '/api/start', token, body);
      assert.equal(res.status, 400, res.body);
      assert.match(JSON.parse(res.body).error.message, pattern);
      assert.equal(JSON.parse(res.body).error.code, 'STAMPEDE_ERR_WEB_INPUT');
    }
    assert.equal((await action(web.url, '/api/edit', token, { users: 1, spawnRate: 1 })).status, 409);
  });
});

describe('a test driven through the API', () => {
  it('starts, streams, edits, resets, stops, downloads and starts again', async () => {
    const started = await action(web.url, '/api/start', token, { users: 4, spawnRate: 20, host: target.url, runTime: '', userClasses: ['Visitor', 'Prober'] });
    assert.equal(started.status, 200, started.body);
    assert.ok(['spawning', 'running'].includes((JSON.parse(started.body) as StatusResponse).state));
    assert.equal((await action(web.url, '/api/start', token, { users: 1, spawnRate: 1 })).status, 409);

    const stats = await waitFor('two seconds of statistics', async () => {
      const s = await get<StatsResponse>('/api/stats');
      return s.totals.requests > 0 && (await get<ChartPoint[]>('/api/history')).length >= 2 ? s : undefined;
    });
    const names = stats.rows.map((r) => `${r.method} ${r.name}`).sort();
    assert.ok(names.includes('GET /health/live'), names.join());
    assert.equal(stats.totals.requests, stats.rows.reduce((n, r) => n + r.requests, 0));
    const history = await get<ChartPoint[]>('/api/history');
    assert.deepEqual(Object.keys(history[0]!).sort(), ['failures_per_s', 'p50_ms', 'p95_ms', 'p99_ms', 'rps', 't', 'users']);

    await waitFor('a failure, an exception and a log line', async () => {
      const f = await get<Array<{ kind: string }>>('/api/failures');
      const x = await get<Array<{ message: string; stack: string }>>('/api/exceptions');
      const l = await get<Array<{ message: string; source: string }>>('/api/logs');
      return f.length > 0 && x.length > 0 && l.some((line) => line.source === 'Prober') ? true : undefined;
    });
    const x = await get<Array<{ message: string; stack: string; count: number }>>('/api/exceptions');
    assert.match(x[0]!.message, /boom <img src=y onerror=alert\(3\)>/);
    assert.match(x[0]!.stack, /thrower/);
    const system = await get<{ generatorCpuPct: number; generatorRssBytes: number; target: unknown }>('/api/system');
    assert.ok(system.generatorRssBytes > 0);
    assert.equal(system.target, null);
    const locust = await get<{ stats: Array<{ name: string; num_requests: number }>; user_count: number; state: string }>('/stats/requests');
    assert.equal(locust.stats.at(-1)!.name, 'Aggregated');
    assert.ok(['spawning', 'running'].includes(locust.state));
    // The running test's Prometheus metrics on the web port (issue #9).
    const metrics = await rawRequest(new URL('/metrics', web.url).href);
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.body, /^stampede_requests_total\{method="GET",name="[^"]+"\} [1-9]\d*$/m);

    const edited = await action(web.url, '/api/edit', token, { users: 2, spawnRate: 50 });
    assert.equal(edited.status, 200, edited.body);
    assert.equal((JSON.parse(edited.body) as StatusResponse).targetUsers, 2);
    await waitFor('users down to 2', async () => ((await get<StatusResponse>('/api/status')).users === 2 ? true : undefined));

    const before = await get<StatsResponse>('/api/stats');
    const reset = await action(web.url, '/api/reset', token);
    assert.equal(reset.status, 200);
    assert.ok((await get<StatsResponse>('/api/stats')).totals.requests < before.totals.requests);

    const stopped = await action(web.url, '/api/stop', token);
    assert.equal(stopped.status, 200);
    assert.equal((JSON.parse(stopped.body) as StatusResponse).state, 'stopped');
    const s = await get<StatusResponse>('/api/status');
    assert.deepEqual(s.downloads, { csv: true, json: true, html: true });

    const csv = await rawRequest(new URL('/download/stats.csv', web.url).href);
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-disposition']), /^attachment; filename="stampede_\d{8}-\d{6}_stats\.csv"$/);
    assert.ok(csv.body.startsWith('Type,Name,Request Count,Failure Count,Median Response Time'));
    for (const file of ['stats_history.csv', 'failures.csv', 'exceptions.csv']) {
      assert.equal((await rawRequest(new URL(`/download/${file}`, web.url).href)).status, 200, file);
    }
    const html = await rawRequest(new URL('/download/report.html', web.url).href);
    assert.equal(html.status, 200);
    assert.match(html.body, /^<!doctype html>/i);
    assert.match(String(html.headers['content-disposition']), /^attachment; filename="stampede_\d{8}-\d{6}_report\.html"$/);
    const report = JSON.parse((await rawRequest(new URL('/download/report.json', web.url).href)).body);
    assert.equal(report.tool, 'stampede');
    assert.equal(report.partial, false);
    assert.deepEqual([...report.config.user_classes].sort(), ['Prober', 'Visitor']);

    // A new test after a stop: charts restart (a new test number), statistics are fresh.
    const again = await action(web.url, '/api/start', token, { users: 1, spawnRate: 5, host: target.url, runTime: '', userClasses: ['Visitor'] });
    assert.equal(again.status, 200, again.body);
    assert.equal((JSON.parse(again.body) as StatusResponse).testNumber, 2);
    await waitFor('the second test to record', async () => ((await get<StatsResponse>('/api/stats')).totals.requests > 0 ? true : undefined));
  });

  it('pushes a snapshot, then a tick a second, over Server-Sent Events', async () => {
    const events = await new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      const req = http.get(new URL('/api/stream', web.url), (res) => {
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        assert.ok(res.headers['content-security-policy']);
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const event = /^event: (\w+)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!event || !data) continue;
            const parsed = JSON.parse(data);
            if (event === 'snapshot') assert.ok(Array.isArray(parsed.points) && Array.isArray(parsed.logs) && parsed.status.testNumber === 2);
            seen.push(event);
            if (seen.filter((e) => e === 'tick').length >= 2) {
              req.destroy();
              resolve(seen);
            }
          }
        });
      });
      req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    });
    assert.equal(events[0], 'snapshot');
  });

  it('on the signal stops the running test, writes --json and --csv marked partial, and exits 4', async () => {
    const code = await web.stop();
    assert.equal(code, 4);
    const report = JSON.parse(readFileSync(path.join(reportDir, 'out.json'), 'utf8'));
    assert.equal(report.partial, true);
    assert.deepEqual(report.config.user_classes, ['Visitor']);
    assert.ok(existsSync(path.join(reportDir, 'out_stats.csv')));
    assert.match(readFileSync(path.join(reportDir, 'out.html'), 'utf8'), /^<!doctype html>/i);
    assert.ok(web.logs.some((l) => l.level === 'warning' && /interrupted/.test(l.message)));
  });
});
