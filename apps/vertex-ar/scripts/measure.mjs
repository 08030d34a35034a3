#!/usr/bin/env node
// Measures the Vertex AR API under load for docs/deployment/worker-tuning.md and
// docs/operations/performance-optimization.md (issue #8). For each configuration: start
// `vertex-ar serve` on a free port with a fresh data directory, seed one user, client and portrait,
// run `stampede quick` against a path, and sample the RSS of the primary and its workers from /proc.
// Usage: node apps/vertex-ar/scripts/measure.mjs [workers|cache] [-d 10s] [-c 50]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const root = new URL('../../../', import.meta.url).pathname;
const bin = join(root, 'apps/vertex-ar/bin/vertex-ar.js');
const args = process.argv.slice(2);
const mode = args[0] ?? 'workers';
const flag = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const duration = flag('-d', '10s');
const connections = flag('-c', '50');

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return 0;
  }
}

function family(pid) {
  const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
  return [pid, ...kids.map(Number)];
}

async function start(serveArgs) {
  const dataDir = mkdtempSync(join(tmpdir(), 'vertex-measure-'));
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir, ...serveArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url, child, dataDir };
}

async function json(url, method, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: JSON.stringify(body) });
  return res.json();
}

async function seed(url) {
  await json(`${url}/auth/register`, 'POST', { username: 'bench', email: 'bench@example.com', password: 'correct-horse' });
  const { access_token: token } = await json(`${url}/auth/login`, 'POST', { username: 'bench', password: 'correct-horse' });
  const client = await json(`${url}/clients`, 'POST', { name: 'Ada' }, token);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="#fff"/>${
    Array.from({ length: 30 }, (_, i) => `<rect x="${(i * 37) % 320}" y="${(i * 53) % 240}" width="20" height="15" fill="#${((i * 123457) % 0xffffff).toString(16).padStart(6, '0')}"/>`).join('')}</svg>`;
  const fd = new FormData();
  fd.append('client_id', String(client.id));
  fd.append('image', new Blob([await sharp(Buffer.from(svg)).jpeg().toBuffer()], { type: 'image/jpeg' }), 'p.jpg');
  const portrait = await (await fetch(`${url}/portraits`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd })).json();
  return { token, publicId: portrait.public_id };
}

async function measure(label, serveArgs, path, withToken = false) {
  const s = await start(serveArgs);
  try {
    const { token, publicId } = await seed(s.url);
    const target = s.url + path.replace(':publicId', publicId);
    let maxRss = 0;
    const sampler = setInterval(() => {
      maxRss = Math.max(maxRss, family(s.child.pid).reduce((sum, p) => sum + rssKb(p), 0));
    }, 500);
    const out = join(s.dataDir, 'out.json');
    const headers = withToken ? ['-H', `authorization: Bearer ${token}`] : [];
    // Asynchronous on purpose: the RSS sampler must keep running while the load runs.
    const load = spawn('npx', ['stampede', 'quick', target, '-c', connections, '-d', duration, '--json', out, ...headers], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    load.stderr.on('data', (d) => (stderr += d));
    const status = await new Promise((r) => load.once('exit', r));
    clearInterval(sampler);
    if (status !== 0) throw new Error(`stampede failed: ${stderr}`);
    const t = JSON.parse(readFileSync(out, 'utf8')).totals;
    return { label, rps: Math.round(t.rps), p95: t.latency_ms.p95, failures: t.failures, rssMb: Math.round(maxRss / 1024) };
  } finally {
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    rmSync(s.dataDir, { recursive: true, force: true });
  }
}

const rows = [];
const started = loadavg()[0].toFixed(1);
if (mode === 'workers') {
  for (const w of ['1', '2', '3', '5']) rows.push(await measure(`--workers ${w}`, ['--workers', w], '/health/live'));
  for (const w of ['1', '5']) rows.push(await measure(`--workers ${w} (GET /ar/:id)`, ['--workers', w], '/ar/:publicId'));
  rows.push(await measure('--preset memory-constrained', ['--preset', 'memory-constrained'], '/health/live'));
  rows.push(await measure('--preset long-running', ['--preset', 'long-running'], '/health/live'));
  rows.push(await measure('--preset high-traffic', ['--preset', 'high-traffic'], '/health/live'));
} else if (mode === 'cache') {
  for (const cache of ['none', 'lru', 'redis://127.0.0.1:6379']) {
    rows.push(await measure(`--cache ${cache} GET /ar/:id`, ['--cache', cache], '/ar/:publicId'));
    rows.push(await measure(`--cache ${cache} GET /clients`, ['--cache', cache], '/clients', true));
  }
}
console.log(`cores=${availableParallelism()} load_avg_1m_at_start=${started} duration=${duration} connections=${connections}`);
console.log('| configuration | RPS | p95 ms | failures | peak RSS MB (all processes) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.label} | ${r.rps} | ${r.p95} | ${r.failures} | ${r.rssMb} |`);
