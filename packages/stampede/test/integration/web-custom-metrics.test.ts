// The web UI's statistics carry the script's custom metrics: /api/stats has one row per series, in the JSON
// report's row shape, while a test runs against a counting server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fixtureScripts } from '../fixtures/cli-process.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import type { StatsResponse } from '../../src/web/api-types.ts';
import { action, pageToken, rawRequest, startWebHarnessForFile, waitFor, type WebHarness } from './web-harness.ts';

let target: CountingServer;
let web: WebHarness;

before(async () => {
  target = await startCountingServer();
  web = await startWebHarnessForFile(path.join(fixtureScripts, 'custom-metrics-users.ts'), target.url, { users: 2, runTime: '5m' });
});

after(async () => {
  await web?.stop();
  await target?.close();
});

test('/api/stats lists each custom metric series with its figures', async () => {
  const token = await pageToken(web.url);
  const started = await action(web.url, '/api/start', token, { users: 2, spawnRate: 20, host: target.url, runTime: '' });
  assert.equal(started.status, 200, started.body);
  const stats = await waitFor('custom metrics in the statistics', async () => {
    const s = JSON.parse((await rawRequest(new URL('/api/stats', web.url).href)).body) as StatsResponse;
    return (s.metrics?.length ?? 0) >= 5 ? s : undefined;
  });
  const rows = stats.metrics!.map((m) => `${m.type} ${m.name} ${JSON.stringify(m.tags)}`);
  assert.deepEqual(rows, [
    'counter carts_created {"parity":"even"}',
    'counter carts_created {"parity":"odd"}',
    'trend checkout_ms {}',
    'gauge last_user {}',
    'rate ok_rate {}',
  ]);
  const trend = stats.metrics!.find((m) => m.name === 'checkout_ms')!;
  assert.deepEqual([trend.min, trend.p95, trend.max], [5, 5, 5]);
  assert.equal(stats.metrics!.find((m) => m.name === 'ok_rate')!.rate, 0.5);
  assert.equal((await action(web.url, '/api/stop', token)).status, 200);
});
