// A test started from the web UI is a run: the script's setup() runs before its users (who read its data) and
// teardown() after the test stops; a failing setup answers the start request with its one-line message.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtureScripts } from '../fixtures/cli-process.ts';
import { startCountingServer } from '../fixtures/counting-server.ts';
import { action, pageToken, startWebHarnessForFile, waitFor } from './web-harness.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'stampede-web-setup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('setup before the test, its data in every request, teardown after the stop; a failing setup refuses the start', async () => {
  const target = await startCountingServer();
  // The web UI runs the script in this process: setup and teardown read this process's environment.
  process.env.STAMPEDE_TEST_TRACE = path.join(dir, 'trace.txt');
  const web = await startWebHarnessForFile(path.join(fixtureScripts, 'setup-teardown-users.ts'), target.url, { users: 2, runTime: '5m' });
  try {
    const token = await pageToken(web.url);
    const started = await action(web.url, '/api/start', token, { users: 2, spawnRate: 20, host: target.url, runTime: '' });
    assert.equal(started.status, 200, started.body);
    await waitFor('requests', async () => (target.count('GET', '/fast') > 5 ? true : undefined));
    assert.equal((await action(web.url, '/api/stop', token)).status, 200);
    await waitFor('teardown', async () => (readFileSync(process.env.STAMPEDE_TEST_TRACE!, 'utf8').includes('teardown') ? true : undefined));
    assert.equal(target.last('GET', '/fast')?.headers['x-token'], 'tok-42');
    assert.equal(readFileSync(process.env.STAMPEDE_TEST_TRACE!, 'utf8'), 'setup\nteardown {"token":"tok-42"}\n');

    process.env.SETUP_FAILS = '1';
    const before = target.total();
    const refused = await action(web.url, '/api/start', token, { users: 2, spawnRate: 20, host: target.url, runTime: '' });
    assert.equal(refused.status, 422, refused.body);
    assert.match(refused.body, /setup\(\) failed: the login service said no/);
    assert.equal(target.total(), before, 'no user started');
  } finally {
    delete process.env.SETUP_FAILS;
    delete process.env.STAMPEDE_TEST_TRACE;
    await web.stop();
    await target.close();
  }
});
