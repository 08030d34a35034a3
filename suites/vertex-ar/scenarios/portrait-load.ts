/**
 * Portrait load: creators upload portraits (marker generation inside the request) while readers fetch public AR
 * content of the portraits made so far. The cache hit ratio of the AR content comes from the target's /metrics
 * (`cache_hits_total{cache="ar"}` / hits + misses over the test); without those counters it is skipped, with why.
 */
import type { SuiteTest } from 'stampede-load/suite';
import { healthSettings, readMetrics } from '../lib/api-session.ts';
import { AR_NAME, ArReader, PortraitCreator, SCENARIO_USERS_SCRIPT } from '../scenario-users.ts';
import { endpointP95Ms, successes } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

const HITS = 'cache_hits_total{cache="ar"}';
const MISSES = 'cache_misses_total{cache="ar"}';

/** The portrait-load test. */
export function portraitLoadTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'portrait-load',
    category: 'portraits',
    settings: () => healthSettings(env.target),
    p95ObjectivesMs: { [`GET ${AR_NAME}`]: plan.quick ? plan.p95ObjectiveMs : 100, 'POST /portraits': plan.p95ObjectiveMs * 4 },
    criteria: [{ metric: 'failure_rate', max: plan.errorBudget }, { metric: 'portraits_created', min: 1 }],
    async workload(ctx) {
      const before = await readMetrics(ctx.targetUrl, [HITS, MISSES]);
      const load = await ctx.runUsers({ userClasses: [PortraitCreator, ArReader], script: SCENARIO_USERS_SCRIPT, threads: 1, users: plan.portraitUsers, durationS: plan.portraitS });
      const after = await readMetrics(ctx.targetUrl, [HITS, MISSES]);
      const created = successes(load, 'POST', '/portraits');
      ctx.metric('portraits_created', created);
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
      ctx.logger.log('info', `portrait load: ${created} portraits created, AR cache hit ratio ${ratio ?? 'n/a'}`);
    },
  };
}
