// The web UI in Chromium shows the script's custom metrics in a table under the statistics: hidden while the script
// has none, one row per series with its figures once values arrive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { fixtureScripts } from '../fixtures/cli-process.ts';
import { startCountingServer, type CountingServer } from '../fixtures/counting-server.ts';
import { startWebHarnessForFile, type WebHarness } from '../integration/web-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (required when CI is set)`);

let target: CountingServer;
let web: WebHarness;
let browser: Browser;

before(async () => {
  if (missing) return;
  target = await startCountingServer();
  web = await startWebHarnessForFile(path.join(fixtureScripts, 'custom-metrics-users.ts'), target.url, { users: 2, spawnRate: 20 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  await web?.stop();
  await target?.close();
});

test('custom metrics appear as a table under the statistics', { skip: missing }, async () => {
  const page = await browser.newPage();
  await page.goto(web.url);
  await page.waitForSelector('#start-panel:not([hidden])');
  assert.equal(await page.isHidden('#metrics-wrap'), true, 'hidden before any value');
  await page.click('#start-button');
  await page.waitForSelector('#metrics-wrap:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#metrics-table tbody tr').length === 5);
  const rows = await page.locator('#metrics-table tbody tr').allInnerTexts();
  assert.match(rows[0]!, /^counter\tcarts_created\{parity:even\}\t[\d,]+\tcount=\d+ rate=[\d.]+\/s$/);
  assert.match(rows[2]!, /^trend\tcheckout_ms\t[\d,]+\tavg=5 min=5 med=5 p90=5 p95=5 p99=5 max=5$/);
  assert.match(rows[4]!, /^rate\tok_rate\t[\d,]+\trate=0\.5 \(\d+ of \d+\)$/);
  await page.click('#btn-stop');
  await page.waitForFunction(() => document.getElementById('m-state')!.textContent === 'stopped');
});
