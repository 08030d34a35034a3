/**
 * WebSocket from a user's task (`this.client.ws()`): an echo server sees exactly the messages and bytes the report
 * counts; the handshake, round trips and the connection's session are WS rows; a close from the server is a
 * classified failure; a bad URL is refused in one line; a run's users close their connections when they stop.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHttpSession } from '../../src/http/session.ts';
import { InvalidWebSocketUrlError } from '../../src/http/errors.ts';
import { Aggregate } from '../../src/stats/aggregate.ts';
import { StatsSet } from '../../src/stats/stats-set.ts';
import { buildJsonReport } from '../../src/report/json-report.ts';
import { validateReport } from '../../src/report/schema.ts';
import type { JsonReport, ReportEndpoint } from '../../src/report/report-types.ts';
import { fixtureScripts, runCli } from '../fixtures/cli-process.ts';
import { startEchoServer, type EchoServer } from '../fixtures/ws-echo-server.ts';

let server: EchoServer;
let dir: string;
before(async () => {
  server = await startEchoServer();
  dir = mkdtempSync(path.join(tmpdir(), 'stampede-ws-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function reportOf(stats: StatsSet): JsonReport {
  const aggregate = new Aggregate();
  aggregate.merge(stats.snapshot());
  const report = buildJsonReport({
    aggregate,
    version: 'test',
    startedAt: 0,
    endedAt: 1000,
    durationS: 1,
    config: { host: server.url, users: 1, spawn_rate: 1, run_time_s: 1, user_classes: ['T'], model: 'closed' },
  });
  assert.deepEqual(validateReport(report), []);
  return report;
}

function row(report: JsonReport, name: string): ReportEndpoint {
  const found = report.endpoints.find((e) => e.method === 'WS' && e.name === name);
  assert.ok(found, `no WS row ${name} in ${report.endpoints.map((e) => `${e.method} ${e.name}`).join(', ')}`);
  return found;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('client.ws()', () => {
  it('counts exactly the messages and bytes the server saw, and records handshake, round trips and session', async () => {
    server.reset();
    const stats = new StatsSet();
    const session = createHttpSession({ baseUrl: server.url, recorder: stats });
    const ws = await session.ws('/echo?room=1', { name: 'echo', headers: { 'x-viewer': 'v1' }, protocols: ['other', 'echo.v1'] });
    assert.equal(ws.protocol, 'echo.v1');
    for (let i = 0; i < 5; i++) ws.send(`hello ${i}`);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await ws.next({ timeout: 2_000 }));
    assert.deepEqual(answers, [0, 1, 2, 3, 4].map((i) => `hello ${i}`));
    for (let i = 0; i < 10; i++) assert.deepEqual(await ws.request(new Uint8Array([i, 0xff])), new Uint8Array([i, 0xff]));
    assert.equal(await ws.request('named', { name: 'echo named' }), 'named');
    await ws.close();
    await session.close();
    await until(() => server.counts.closed === 1);

    const c = server.counts;
    assert.equal(c.handshakes, 1);
    assert.equal(c.lastHeaders['x-viewer'], 'v1');
    assert.equal(c.closedByClient, 1);
    const report = reportOf(stats);
    assert.deepEqual(row(report, 'echo').websocket, {
      messages_sent: c.messagesIn,
      messages_received: c.messagesOut,
      bytes_sent: c.bytesIn,
      bytes_received: c.bytesOut,
    });
    assert.equal(c.messagesIn, 16);
    assert.equal(row(report, 'echo').requests, 1);
    assert.equal(row(report, 'echo (round trip)').requests, 10);
    assert.equal(row(report, 'echo named').requests, 1);
    assert.deepEqual([row(report, 'echo (session)').requests, row(report, 'echo (session)').failures], [1, 0]);
    assert.equal(report.totals.failures, 0);
  });

  it('a close from the server fails the session (ws_closed) and what waits on it', async () => {
    server.reset();
    const stats = new StatsSet();
    const session = createHttpSession({ baseUrl: server.url, recorder: stats });
    // An absolute URL is its own default name, as for HTTP requests.
    const url = `${server.url.replace('http:', 'ws:')}/echo`;
    const ws = await session.ws(url);
    const waiting = ws.next({ timeout: 5_000 });
    ws.send('close-me');
    await assert.rejects(waiting, /closed by the server \(4000\)/);
    await assert.rejects(ws.request('late'), /closed/);
    await session.close();
    const report = reportOf(stats);
    const sessionRow = row(report, `${url} (session)`);
    assert.deepEqual([sessionRow.requests, sessionRow.failures], [1, 1]);
    const kinds = report.errors.map((e) => `${e.method} ${e.name} ${e.kind} ${e.error}`);
    assert.ok(kinds.includes(`WS ${url} (session) ws_closed closed by the server (4000)`), kinds.join('; '));
    assert.ok(kinds.includes(`WS ${url} (round trip) ws_closed closed before the answer`), kinds.join('; '));
    assert.deepEqual(row(report, url).websocket, { messages_sent: 1, messages_received: 0, bytes_sent: 8, bytes_received: 0 });
  });

  it('a refused handshake is a ws_handshake failure; a bad URL is refused before anything is sent', async () => {
    const stats = new StatsSet();
    const session = createHttpSession({ baseUrl: server.url, recorder: stats });
    await assert.rejects(session.ws('/nothing-here'));
    assert.throws(() => session.ws('ftp://127.0.0.1/echo'), InvalidWebSocketUrlError);
    assert.throws(() => session.ws('ws://'), (e: Error) => e instanceof InvalidWebSocketUrlError && !e.message.includes('\n'));
    await session.close();
    const report = reportOf(stats);
    assert.deepEqual([row(report, '/nothing-here').requests, row(report, '/nothing-here').failures], [1, 1]);
    assert.equal(report.errors[0]!.kind, 'ws_handshake');
  });

  it('in a run, WS rows sit beside HTTP in JSON and CSV, and users close their connections when they stop', async () => {
    server.reset();
    const json = path.join(dir, 'run.json');
    const csv = path.join(dir, 'run');
    const res = await runCli(['-f', path.join(fixtureScripts, 'ws-echo-users.ts'), '--headless', '-u', '2', '-r', '10', '-t', '2s', '--host', server.url, '--json', json, '--csv', csv]);
    assert.equal(res.code, 0, res.stderr);
    await until(() => server.counts.closed === 2);
    const c = server.counts;
    assert.equal(c.handshakes, 2);
    assert.equal(c.closedByClient, 2);
    const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
    assert.deepEqual(validateReport(report), []);
    assert.deepEqual(row(report, '/echo').websocket, { messages_sent: c.messagesIn, messages_received: c.messagesOut, bytes_sent: c.bytesIn, bytes_received: c.bytesOut });
    assert.equal(row(report, '/echo').requests, 2);
    assert.ok(row(report, 'echo ping').requests > 10);
    const stats = readFileSync(`${csv}_stats.csv`, 'utf8');
    assert.match(stats, /^WS,\/echo,2,0,/m);
    assert.match(stats, /^WS,echo ping,\d+,0,/m);
    assert.match(res.stdout + res.stderr, /WebSocket messages/);
  });

  it('open-model users close their connections at the end of the run too', async () => {
    server.reset();
    const res = await runCli(['-f', path.join(fixtureScripts, 'ws-echo-users.ts'), '--headless', '--arrival-rate', '10', '-t', '2s', '--host', server.url]);
    assert.equal(res.code, 0, res.stderr);
    await until(() => server.counts.closed === server.counts.handshakes);
    assert.ok(server.counts.handshakes >= 1);
    assert.equal(server.counts.closedByClient, server.counts.handshakes);
  });
});
