/**
 * Portrait load: creators upload portraits (marker generation inside the request) while readers fetch public AR
 * content of the portraits made so far. The cache hit ratio of the AR content comes from the target's /metrics
 * (`cache_hits_total{cache="ar"}` / hits + misses over the test); without those counters it is skipped, with why.
 */
import { HttpUser, between, task, type SuiteTest, type UserClass } from 'stampede';
import { readMetrics, seedPortraits, setupSession, signUpWithClient } from '../lib/api-session.ts';
import { samplePng } from '../lib/sample-image.ts';
import { endpointP95Ms } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

const HITS = 'cache_hits_total{cache="ar"}';
const MISSES = 'cache_misses_total{cache="ar"}';
const AR_NAME = '/ar/:portraitId';

/** Creators (weight 1) and AR readers (weight 3) sharing the pool of portrait ids. */
function portraitUsers(pool: number[]): UserClass[] {
  class PortraitCreator extends HttpUser {
    static override weight = 1;
    static override waitTime = between(0.2, 0.5);
    clientId = 0;
    override async onStart(): Promise<void> {
      this.clientId = await signUpWithClient(this.client, 'creator');
    }
    @task async createPortrait(): Promise<void> {
      const image = { data: samplePng(Math.floor(Math.random() * 2 ** 31)), filename: 'portrait.png', contentType: 'image/png' };
      const res = await this.client.post('/portraits', { multipart: { client_id: String(this.clientId), image } });
      if (res.status !== 201) return;
      const id = res.json<{ id: number }>().id;
      pool.push(id);
      // Generation finishes inside the upload: the AR content answers at once (ARCHITECTURE.md).
      const ar = await this.client.get(`/ar/${id}`, { name: AR_NAME });
      this.check('AR content right after upload', ar.status === 200);
    }
  }
  class ArReader extends HttpUser {
    static override weight = 3;
    static override waitTime = between(0.01, 0.05);
    @task async viewArContent(): Promise<void> {
      const id = pool[Math.floor(Math.random() * pool.length)]!;
      const res = await this.client.get(`/ar/${id}`, { name: AR_NAME });
      this.check('AR content served', res.status === 200);
    }
  }
  return [PortraitCreator, ArReader];
}

/** The portrait-load test. */
export function portraitLoadTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'portrait-load',
    category: 'portraits',
    p95ObjectivesMs: { [`GET ${AR_NAME}`]: plan.quick ? plan.p95ObjectiveMs : 100, 'POST /portraits': plan.p95ObjectiveMs * 4 },
    criteria: [{ metric: 'failure_rate', max: plan.errorBudget }, { metric: 'portraits_created', min: 1 }],
    async workload(ctx) {
      const session = setupSession(ctx.targetUrl);
      const pool: number[] = [];
      try {
        pool.push(...(await seedPortraits(session, await signUpWithClient(session, 'portrait-seed'), 3)));
      } finally {
        await session.close();
      }
      const seeded = pool.length;
      const before = await readMetrics(ctx.targetUrl, [HITS, MISSES]);
      const load = await ctx.runUsers({ userClasses: portraitUsers(pool), users: plan.portraitUsers, durationS: plan.portraitS });
      const after = await readMetrics(ctx.targetUrl, [HITS, MISSES]);
      ctx.metric('portraits_created', pool.length - seeded);
      ctx.metric('ar_p95_ms', endpointP95Ms(load, 'GET', AR_NAME));
      ctx.metric('create_p95_ms', endpointP95Ms(load, 'POST', '/portraits'));
      const why = 'unavailable' in before ? before.unavailable : 'unavailable' in after ? after.unavailable : !(HITS in after.values) ? `the target's /metrics has no cache_hits_total / cache_misses_total counters` : undefined;
      if (why || !('values' in before) || !('values' in after)) {
        ctx.metric('cache_hit_ratio', null);
        ctx.finding({ kind: 'cache_hit_ratio_skipped', text: `cache hit ratio skipped: ${why}` });
        return;
      }
      const hits = after.values[HITS]! - (before.values[HITS] ?? 0);
      const misses = (after.values[MISSES] ?? 0) - (before.values[MISSES] ?? 0);
      ctx.metric('cache_hits', hits);
      ctx.metric('cache_misses', misses);
      const ratio = hits + misses > 0 ? Math.round((hits / (hits + misses)) * 1000) / 1000 : null;
      ctx.metric('cache_hit_ratio', ratio);
      if (ratio !== null && ratio < 0.5) ctx.finding({ kind: 'cache_hit_ratio_low', text: `AR content cache hit ratio ${ratio}: most reads went to the database — check the cache size and TTL (--cache-size, --cache-ttl) and whether writes invalidate too broadly`, evidence: { hits, misses } });
      ctx.logger.log('info', `portrait load: ${pool.length - seeded} portraits created, AR cache hit ratio ${ratio ?? 'n/a'}`);
    },
  };
}
