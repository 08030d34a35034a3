// The suite report of a real `stampede suite vertex-ar --quick` run, in Chromium with no network: at 1400×900 the
// first screen holds the whole overview (one row per test, each with a headline figure and, when it did not pass,
// why) and the start of the recommendations; every test that ran has its own charts and a link to its page; at a
// phone's width nothing runs off the side. STAMPEDE_SCREENSHOT=1 also rewrites docs/images/suite-report.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error('Chromium is required under CI: apt-get install -y chromium');
if (missing) console.log(`# skipping browser tests: ${CHROMIUM} not found (apt-get install -y chromium)`);

let browser: Browser;
let reports: string;
let dir: string;
let summary: { tests: Array<{ name: string; status: string; reason?: string }>; recommendations: Array<{ text: string }>; results_files: Record<string, string>; partial: boolean };

/** Runs the CLI to its end (SIGINT after `timeoutMs`): its exit code and output. */
function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['packages/stampede/bin/stampede.js', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const kill = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

before(async () => {
  if (missing) return;
  reports = mkdtempSync(path.join(tmpdir(), 'suite-report-'));
  const { stdout, stderr } = await runCli(['suite', 'vertex-ar', '--quick', '--report-dir', reports], 150_000);
  const line = /^report: (.+)\/report\.html/m.exec(stdout);
  assert.ok(line, `report path printed\n${stdout}\n${stderr}`);
  dir = line[1]!;
  summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  if (reports) rmSync(reports, { recursive: true, force: true });
});

/** Opens report.html at the given viewport, refusing every request that is not the file itself. */
async function open(width: number, height: number): Promise<{ page: Page; external: string[]; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const external: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => (m.type() === 'error' ? problems.push(m.text()) : undefined));
  await page.goto(pathToFileURL(path.join(dir, 'report.html')).href);
  return { page, external, problems };
}

test('at 1400×900 the first screen holds every test of the overview, a headline figure each, and the recommendations', { skip: missing }, async () => {
  assert.equal(summary.partial, false);
  const { page, external, problems } = await open(1400, 900);
  const rows = await page.$$eval('#overview tbody tr', (trs) =>
    // No named helper in here: the test's compiler would wrap it in a function the page does not have.
    trs.map((tr) => ({
      name: tr.querySelector('td.name')?.textContent?.trim() ?? '',
      figures: tr.querySelector('td.figures')?.textContent?.trim() ?? '',
      why: tr.querySelector('td.why')?.textContent?.trim() ?? '',
      bottom: tr.getBoundingClientRect().bottom,
    })),
  );
  assert.deepEqual(rows.map((r) => r.name), summary.tests.map((t) => t.name), 'one overview row per test, in order');
  for (const r of rows) assert.ok(r.bottom <= 900, `${r.name}: row ends at ${r.bottom} px, inside the first screen`);
  // No box of its own to scroll: every ancestor of the table lets it grow.
  const scrollers = await page.$eval('#overview table', (table) => {
    const out: string[] = [];
    for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(el).overflowY) && el.scrollHeight > el.clientHeight) out.push(el.tagName);
    }
    return out;
  });
  assert.deepEqual(scrollers, [], 'the overview is not inside a scroll box');
  const ran = summary.tests.filter((t) => t.status !== 'skipped');
  assert.ok(ran.length >= 8, `${ran.length} tests ran`);
  for (const t of ran) {
    const row = rows.find((r) => r.name === t.name)!;
    assert.match(row.figures, /\d/, `${t.name} shows a headline figure: "${row.figures}"`);
    if (t.status !== 'passed') assert.ok(row.why.length > 0, `${t.name} (${t.status}) says why`);
  }
  assert.match(rows.find((r) => r.name === 'large-file-uploads')!.figures, /^image upload [\d.,]+ MB\/s, video upload [\d.,]+ MB\/s, image p95 [\d.,]+ ms$/);

  const recs = await page.$$eval('#recommendations ol.recs > li', (lis) => lis.map((li) => li.textContent ?? ''));
  assert.equal(recs.length, summary.recommendations.length);
  assert.ok(recs.length >= 1);
  assert.ok(recs.every((r) => /evidence: /.test(r)), 'each recommendation shows its evidence');
  const recTop = await page.$eval('#recommendations', (el) => el.getBoundingClientRect().top);
  assert.ok(recTop < 900, `the recommendations begin on the first screen (at ${recTop} px)`);

  // A section per test that ran, with its charts drawn and a link to its own page (which exists).
  await page.waitForFunction((n) => document.querySelectorAll('section.test .chart canvas').length >= n, ran.length, { timeout: 30_000 });
  const sections = await page.$$eval('section.test', (els) =>
    els.map((el) => ({ name: el.querySelector('h2')?.firstChild?.textContent?.trim() ?? '', canvases: el.querySelectorAll('.chart canvas').length, titles: Array.from(el.querySelectorAll('.chart .title'), (t) => t.textContent), page: el.querySelector('a[href$=".html"]')?.getAttribute('href') ?? null })),
  );
  assert.deepEqual(sections.map((s) => s.name), summary.tests.map((t) => t.name));
  for (const t of ran) {
    const s = sections.find((x) => x.name === t.name)!;
    assert.ok(s.canvases >= 4, `${t.name}: ${s.canvases} charts drawn`);
    for (const title of ['CPU', 'Memory', 'Disk', 'Network']) assert.ok(s.titles.includes(title), `${t.name} has a ${title} chart: ${s.titles}`);
    assert.equal(s.page, summary.results_files[t.name]!.replace(/\.json$/, '.html'));
    assert.ok(existsSync(path.join(dir, s.page!)), `${s.page} exists`);
  }
  assert.deepEqual(external, [], 'no network');
  assert.deepEqual(problems, [], 'no script error and no CSP violation');
  // A test never rewrites tracked files: the documentation's picture only on request, the first screen only.
  if (process.env.STAMPEDE_SCREENSHOT === '1') {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(root, 'docs/images/suite-report.png') });
  }
  await page.close();
});

test('at a phone\'s width (390 px) nothing runs off the side and every test is listed with its figures', { skip: missing }, async () => {
  const { page, problems } = await open(390, 844);
  await page.waitForSelector('section.test .chart canvas');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `horizontal overflow ${overflow} px`);
  const rows = await page.$$eval('#overview tbody tr', (trs) => trs.map((tr) => ({ width: tr.getBoundingClientRect().width, figures: tr.querySelector('td.figures')?.textContent ?? '' })));
  assert.equal(rows.length, summary.tests.length);
  for (const r of rows) assert.ok(r.width <= 390, `row ${r.width} px wide`);
  const chartWidths = await page.$$eval('section.test .chart', (els) => els.map((el) => el.getBoundingClientRect().right));
  assert.ok(chartWidths.every((w) => w <= 390), `charts fit: ${Math.max(...chartWidths)}`);
  assert.deepEqual(problems, []);
  if (process.env.STAMPEDE_SCREENSHOT === '1') await page.screenshot({ path: path.join(root, 'docs/images/suite-report-phone.png') });
  await page.close();
});
