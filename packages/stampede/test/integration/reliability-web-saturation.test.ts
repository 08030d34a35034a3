// Issue 12: a saturated generator is flagged in the web UI too (the console and the report are covered by
// test/e2e/reliability-cli-faults.test.ts): /api/system, which the system tab renders, says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { action, pageToken, rawRequest, startWebHarness, waitFor } from './web-harness.ts';

const HOG_SCRIPT = readFileSync(new URL('../fixtures/reliability-scripts/reliability-saturating-users.ts', import.meta.url), 'utf8');

test('web UI: /api/system flags a saturated generator', async () => {
  const target = await startCountingServer();
  // Two worker threads: the main thread stays responsive and only the users' threads are late — the case the UI
  // must report from the threads' own lag (one thread would run its users on the main thread).
  const web = await startWebHarness(HOG_SCRIPT, target.url, { users: 2, runTime: '1m', threads: 2 });
  try {
    const token = await pageToken(web.url);
    const started = await action(web.url, '/api/start', token, { users: 2, spawnRate: 20, host: target.url, runTime: '' });
    assert.equal(started.status, 200, started.body);
    // The flag may first come from the CPU figure (a busy CI machine) before the threads' lag reaches a
    // snapshot; what must hold is that the lag of the users' threads shows up with the flag.
    let last = '';
    const system = await waitFor('the saturation flag with the threads\' lag', async () => {
      const res = await rawRequest(new URL('/api/system', web.url).href);
      last = res.body;
      const body = JSON.parse(res.body) as { generatorSaturated?: boolean; threadLoopLagP99Ms: number };
      return body.generatorSaturated && body.threadLoopLagP99Ms > 50 ? body : undefined;
    }, 20_000).catch((err: Error) => assert.fail(`${err.message}; last /api/system: ${last}`));
    assert.equal(system.generatorSaturated, true);
  } finally {
    await web.stop();
    await target.close();
  }
});
