// Issue 10: the workers tab of the master's web UI in a real browser (Debian's Chromium through playwright-core).
// Two `stampede worker` processes and a `stampede master` without --headless on the real Redis: the tab lists both
// workers with their state and users while a test started from the form runs, and they are ready again after the
// stop; a worker over 90 % CPU is flagged in its row, a lost one shown as lost.
// Run: node scripts/run-tests.mjs --tier browser cluster-
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { spawnStampede, type StampedeProcess } from '../fixtures/cluster-processes.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { systemClock } from '../../src/clock.ts';
import type { WorkerRow } from '../../src/web/api-types.ts';
import { LogBuffer } from '../../src/web/log-buffer.ts';
import { TestSession, type WebRun } from '../../src/web/test-session.ts';
import { startWebUi } from '../../src/web/web-ui.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REDIS = process.env.STAMPEDE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));
const scripts = path.join(here, '../fixtures/scripts');
const LIMIT_MS = 150_000;

const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (required when CI is set)`);
if (missing) console.log(`# skipping browser tests: ${CHROMIUM} not found — apt-get install chromium`);

let browser: Browser;
let page: Page;
const dialogs: string[] = [];

const namespace = () => `test-cluster-${randomBytes(6).toString('hex')}`;

/** The master's UI URL, from its "Web UI: URL" line. */
async function uiUrl(master: StampedeProcess): Promise<string> {
  const line = await master.waitFor(/Web UI: \S+/, 45_000);
  return /Web UI: (\S+)/.exec(line.text)![1]!;
}

/** Each row of the workers table: [state, users, host cell]. */
function rows(): Promise<string[][]> {
  return page.$$eval('#workers-table tbody tr[data-worker]', (trs) =>
    trs.map((tr) => [tr.querySelector('.state')!.textContent!, tr.querySelector('td.users')!.textContent!, tr.children[1]!.textContent!]),
  );
}

describe('the master web UI workers tab in Chromium', { skip: missing }, () => {
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('lists both workers with their state and users, live while a test runs, ready again after it', async () => {
    const server: CountingServer = await startCountingServer();
    const ns = namespace();
    const common = ['--redis', REDIS, '--namespace', ns];
    const workers = [0, 1].map(() => spawnStampede(['worker', ...common, '--threads', '1'], {}, LIMIT_MS));
    const master = spawnStampede(['master', ...common, '-f', path.join(scripts, 'pid-path-users.ts'), '--host', server.url, '--web-port', '0', '-u', '4', '-r', '20', '--stop-timeout', '2s'], {}, LIMIT_MS);
    try {
      await page.goto(await uiUrl(master));
      await page.waitForSelector('.tabs [data-tab="workers"]:not([hidden])');
      await page.waitForFunction(() => document.getElementById('m-workers')?.textContent === '2 ready', null, { timeout: 45_000 });
      await page.click('.tabs [data-tab="workers"]');
      await page.waitForSelector('#tab-workers:not([hidden])');
      const joined = await rows();
      assert.deepEqual(joined.map(([state, users]) => [state, users]), [['ready', '0'], ['ready', '0']]);
      for (const w of workers) assert.ok(joined.some(([, , host]) => host.endsWith(`(pid ${w.child.pid})`)), `worker ${w.child.pid} is listed`);

      await page.click('#start-button');
      await page.waitForFunction(
        () => {
          const trs = Array.from(document.querySelectorAll('#workers-table tbody tr[data-worker]'));
          return trs.length === 2 && trs.every((tr) => tr.querySelector('.state')!.textContent === 'running' && tr.querySelector('td.users')!.textContent === '2');
        },
        null,
        { timeout: 30_000 },
      );
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#workers-table td.requests')).every((td) => Number(td.textContent!.replace(/,/g, '')) > 0), null, { timeout: 15_000 });
      assert.match(await page.locator('#workers-table tbody tr td.cpu').first().innerText(), /^(⚠ )?[\d.]+ %/);

      await page.click('#btn-stop');
      await page.waitForFunction(() => document.getElementById('m-state')!.textContent === 'stopped');
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#workers-table .state')).map((s) => s.textContent).join() === 'ready,ready', null, { timeout: 45_000 });
      assert.equal(await page.locator('#m-workers').innerText(), '2 ready');
      assert.deepEqual(dialogs, []);

      master.child.kill('SIGTERM');
      assert.equal((await master.exited).code, 0, master.output());
      for (const w of workers) assert.equal((await w.exited).code, 0, w.output());
    } finally {
      if (master.child.exitCode === null) master.child.kill('SIGKILL');
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await Promise.all([master.exited, ...workers.map((w) => w.exited)]);
      await server.close();
    }
  });

  it('flags a worker over 90 % of its cores and shows lost workers as such (rows from a fixed cluster view)', async () => {
    // The real figures depend on the machine's load; the rendering is checked on fixed rows served by the real server.
    const view = {
      workers: (): WorkerRow[] => [
        { id: 'hot-1', host: 'gen-a', pid: 11, state: 'running', users: 5, cpuPct: 97.5, cpuMaxPct: 97.5, cpuFlagged: true, rssBytes: 150 * 1024 * 1024, requests: 1234 },
        { id: 'was-hot-2', host: 'gen-b', pid: 12, state: 'running', users: 5, cpuPct: 40, cpuMaxPct: 95, cpuFlagged: true, rssBytes: 100 * 1024 * 1024, requests: 999 },
        { id: 'cool-3', host: 'gen-c', pid: 13, state: 'running', users: 4, cpuPct: 12.3, cpuMaxPct: 20, cpuFlagged: false, rssBytes: 90 * 1024 * 1024, requests: 800 },
        { id: 'gone-4', host: 'gen-d', pid: 14, state: 'missing', users: 0, cpuPct: 0, cpuMaxPct: 30, cpuFlagged: false, rssBytes: 0, requests: 10, lostAtS: 4.2 },
      ],
      readyWorkers: () => 3,
    };
    const session = new TestSession<WebRun>({
      classes: [],
      defaults: { users: 1, spawnRate: 1, host: '', runTime: '', classes: [] },
      createRun: () => Promise.reject(new Error('no runs here')),
      closeRun: async () => {},
      parseRunTimeS: Number,
      stopTimeoutMs: 0,
      clock: systemClock,
    });
    const reports = { json: () => { throw new Error('no report'); }, html: async () => undefined, htmlAvailable: false };
    const server = await startWebUi({ host: '127.0.0.1', port: 0, session, logs: new LogBuffer(), reports, cluster: view });
    try {
      await page.goto(server.url);
      await page.click('.tabs [data-tab="workers"]');
      await page.waitForSelector('#workers-table tbody tr[data-worker="gone-4"]');
      const cpu = (id: string) => page.locator(`#workers-table tr[data-worker="${id}"] td.cpu`);
      assert.equal(await cpu('hot-1').innerText(), '⚠ 97.5 %');
      assert.match((await cpu('hot-1').getAttribute('class'))!, /\bbad\b/);
      assert.match((await cpu('hot-1').getAttribute('title'))!, /over 90 % of its cores/);
      assert.equal(await cpu('was-hot-2').innerText(), '40 % (max 95 %)');
      assert.match((await cpu('was-hot-2').getAttribute('class'))!, /\bbad\b/);
      assert.equal(await cpu('cool-3').innerText(), '12.3 %');
      assert.doesNotMatch((await cpu('cool-3').getAttribute('class'))!, /\bbad\b/);
      const gone = page.locator('#workers-table tr[data-worker="gone-4"]');
      assert.equal(await gone.getAttribute('class'), 'gone');
      assert.equal(await gone.locator('.state').innerText(), 'missing at 4.2 s');
      assert.equal(await page.locator('#workers-table tr[data-worker="hot-1"] td').nth(5).innerText(), '150 MB');
      assert.equal(await page.locator('#m-workers').innerText(), '3 ready');
      assert.equal(await page.locator('#n-workers').getAttribute('class'), 'count alert');
    } finally {
      await server.close();
    }
  });
});
