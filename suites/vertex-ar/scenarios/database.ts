/**
 * Comprehensive / database: N records inserted and queried through the API (POST /clients with 8 in flight, then
 * paging through the list cold, then a warm read load) and directly through the repository layer
 * (`apps/vertex-ar/src/db`) on a fresh SQLite file and, with `--option postgres=URL`, a scratch PostgreSQL database:
 * N inserts one at a time against N as one batch (one transaction of multi-row INSERTs) — with CPU and memory of each
 * phase from the monitor: the target's during the API phase, the generator's (which runs the repository) during the
 * direct ones.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HttpSession } from 'stampede-load';
import type { SuiteTest, TestContext } from 'stampede-load/suite';
import { openDatabase } from 'vertex-ar/src/db/open-database.ts';
import type { Repositories } from 'vertex-ar/src/db/repositories.ts';
import { createScratchDatabase } from '../lib/scratch-postgres.ts';
import { healthSettings, setupSession, signUpWithClient } from '../lib/api-session.ts';
import { percentile } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

const PAGE = 100;
const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Mean CPU and peak RSS of the target (`who` = 'target') or the generator over a phase, from the monitor samples
 * that cover it: waits for the sample after the phase, so a phase shorter than the 0.5 s interval still gets one.
 */
async function phaseFigures(ctx: TestContext, fromS: number, who: 'target' | 'gen', prefix: string): Promise<Record<string, number | null>> {
  const toS = ctx.monitor.elapsedS();
  await ctx.clock.sleep(600, ctx.signal);
  const s = ctx.monitor.samples().filter((x) => x.t > fromS && x.t <= toS + 0.55);
  const cpu = s.map((x) => (who === 'target' ? x.target_cpu_pct : x.gen_cpu_pct)).filter((v): v is number => typeof v === 'number');
  const rss = s.map((x) => (who === 'target' ? x.target_rss_bytes : x.gen_rss_bytes)).filter((v): v is number => typeof v === 'number');
  return {
    [`${prefix}_${who}_cpu_mean_pct`]: cpu.length ? r1(cpu.reduce((a, b) => a + b, 0) / cpu.length) : null,
    [`${prefix}_${who}_rss_max_bytes`]: rss.length ? Math.max(...rss) : null,
  };
}

/** Runs `count` calls of `fn` with `inFlight` at a time; returns each call's latency, ms. */
async function timed(count: number, inFlight: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = performance.now();
      await fn(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return latencies;
}

function record(ctx: TestContext, figures: Record<string, number | null>): void {
  for (const [k, v] of Object.entries(figures)) ctx.metric(k, v);
}

/** Inserts through the API (8 in flight), then pages through the list once (cold: each page a cache miss). */
async function throughApi(ctx: TestContext, session: HttpSession, n: number): Promise<void> {
  let failures = 0;
  const from = ctx.monitor.elapsedS();
  const t0 = performance.now();
  const inserts = await timed(n, 8, async (i) => {
    const res = await session.post('/clients', { json: { name: `db client ${i}`, email: `c${i}@example.test`, notes: 'api insert' } });
    if (res.status !== 201) failures++;
  });
  const insertS = (performance.now() - t0) / 1000;
  ctx.logger.log('info', `database: ${n} inserts through the API at ${r1(n / insertS)}/s`);
  const pages = await timed(Math.ceil(n / PAGE), 1, async (p) => {
    const res = await session.get('/clients', { query: { limit: PAGE, offset: p * PAGE } });
    if (res.status !== 200) failures++;
  });
  record(ctx, {
    api_insert_per_s: r1(n / insertS), api_insert_p50_ms: r1(percentile(inserts, 50)!), api_insert_p95_ms: r1(percentile(inserts, 95)!),
    api_list_page_p95_ms: r1(percentile(pages, 95)!), api_failures: failures,
    ...(await phaseFigures(ctx, from, 'target', 'api_phase')),
  });
}

type Engine = 'sqlite' | 'postgres';

/** A fresh database of `engine` behind the repository layer, and how to remove it. */
async function freshRepositories(engine: Engine, postgresServer: string | undefined): Promise<{ repos: Repositories; remove(): Promise<void> }> {
  if (engine === 'postgres') {
    const scratch = await createScratchDatabase(postgresServer!);
    try {
      return { repos: await openDatabase({ postgresUrl: scratch.url, slowQueryMs: -1 }), remove: () => scratch.drop() };
    } catch (error) {
      await scratch.drop().catch(() => {});
      throw error;
    }
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'vertex-ar-db-'));
  return { repos: await openDatabase({ sqliteFile: path.join(dir, 'bench.sqlite'), slowQueryMs: -1 }), remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The same N records through the repository layer on a fresh database of `engine`: one insert at a time (each its
 * own statement and implicit transaction), then N more as one batch (`clients.createMany`: one transaction of
 * multi-row INSERTs), then pages and finds. Figures are prefixed with the engine; `_batch_speedup` is batch over single.
 */
async function throughRepositories(ctx: TestContext, engine: Engine, n: number, postgresServer?: string): Promise<void> {
  const { repos, remove } = await freshRepositories(engine, postgresServer);
  try {
    const from = ctx.monitor.elapsedS();
    const now = new Date().toISOString();
    const owner = await repos.users.create({ username: 'db-bench', email: null, password_hash: 'x', role: 'user', created_at: now });
    const row = (i: number) => ({ user_id: owner.id, name: `db client ${i}`, phone: null, email: `c${i}@example.test`, notes: 'repository insert', created_at: now, updated_at: now });
    const t0 = performance.now();
    const ids: number[] = [];
    const inserts = await timed(n, 1, async (i) => void ids.push((await repos.clients.create(row(i))).id));
    const singleS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const batch = await repos.clients.createMany(Array.from({ length: n }, (_, i) => row(n + i)));
    const batchS = (performance.now() - t1) / 1000;
    if (batch.length !== n) throw new Error(`${engine}: the batch insert returned ${batch.length} of ${n} rows`);
    const single = r1(n / singleS);
    const batched = r1(n / batchS);
    ctx.logger.log('info', `database: ${n} inserts through the repository layer on ${engine}: ${single}/s one at a time, ${batched}/s as one batch (${r1(singleS / batchS)}×)`);
    const pages = await timed(Math.ceil((2 * n) / PAGE), 1, async (p) => void (await repos.clients.list({ limit: PAGE, offset: p * PAGE }, owner.id)));
    const finds = await timed(Math.min(n, 200), 1, async (i) => void (await repos.clients.find(ids[(i * 7919) % ids.length]!, owner.id)));
    record(ctx, {
      [`${engine}_single_insert_per_s`]: single, [`${engine}_single_insert_p95_ms`]: r1(percentile(inserts, 95)!),
      [`${engine}_batch_insert_per_s`]: batched, [`${engine}_batch_speedup`]: r1(singleS / batchS),
      [`${engine}_list_page_p95_ms`]: r1(percentile(pages, 95)!), [`${engine}_find_p95_ms`]: Math.round(percentile(finds, 95)! * 1000) / 1000,
      ...(await phaseFigures(ctx, from, 'gen', `${engine}_phase`)),
    });
  } finally {
    await repos.close();
    await remove();
  }
}

/** The database test. */
export function databaseTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'database-performance',
    category: 'database',
    settings: () => healthSettings(env.target),
    p95ObjectivesMs: { 'GET /clients': plan.p95ObjectiveMs },
    criteria: [{ metric: 'api_failures', max: 0 }, { metric: 'failure_rate', max: plan.errorBudget }],
    async workload(ctx) {
      const n = plan.dbRecords;
      ctx.metric('records', n);
      const session = setupSession(ctx.targetUrl);
      let auth: string;
      try {
        await signUpWithClient(session, 'db');
        await throughApi(ctx, session, n);
        auth = session.defaultHeaders.authorization!;
      } finally {
        await session.close();
      }
      await throughRepositories(ctx, 'sqlite', n);
      if (env.postgres) await throughRepositories(ctx, 'postgres', n, env.postgres);
      else ctx.finding({ kind: 'postgres_not_measured', text: 'PostgreSQL not measured: name a server where a scratch database may be created with --option postgres=postgres://USER@HOST:PORT/DB' });
      // Warm reads of the same pages through the API (the list cache in front of the database).
      const pages = Array.from({ length: Math.ceil(n / PAGE) }, (_, p) => ({ path: `/clients?limit=${PAGE}&offset=${p * PAGE}`, name: '/clients', headers: { authorization: auth } }));
      await ctx.runHttp({ requests: pages, connections: 4, durationS: plan.quick ? 2 : 5 });
    },
  };
}
