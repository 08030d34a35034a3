/**
 * Video scheduling: schedulers switch the public AR content of their portraits between two videos
 * (`PATCH /videos/:id/schedule`) while AR readers keep that content hot in the cache; after each switch the scheduler
 * reads the AR content back and checks it shows the video just scheduled (read-your-writes through the cache).
 */
import type { SuiteTest } from 'stampede-load/suite';
import { healthSettings } from '../lib/api-session.ts';
import { SCHEDULE_NAME, SWITCH_CHECK } from '../lib/video-schedule.ts';
import { AR_NAME, ArReader, SCENARIO_USERS_SCRIPT, VideoScheduler } from '../scenario-users.ts';
import { endpointP95Ms, successes } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

/** The video-scheduling test. */
export function videoSchedulingTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'video-scheduling',
    category: 'videos',
    settings: () => healthSettings(env.target),
    p95ObjectivesMs: { [`PATCH ${SCHEDULE_NAME}`]: plan.p95ObjectiveMs, [`GET ${AR_NAME}`]: plan.p95ObjectiveMs },
    criteria: [
      { metric: 'schedule_changes', min: 1 },
      { metric: 'ar_switches_checked', min: 1 },
      { metric: 'ar_switch_mismatches', max: 0 },
      { metric: 'failure_rate', max: plan.errorBudget },
    ],
    async workload(ctx) {
      const load = await ctx.runUsers({ userClasses: [VideoScheduler, ArReader], script: SCENARIO_USERS_SCRIPT, threads: 1, users: plan.scheduleUsers, durationS: plan.scheduleS });
      const check = load.aggregate.checks().find((c) => c.name === SWITCH_CHECK);
      const changes = successes(load, 'PATCH', SCHEDULE_NAME);
      ctx.metric('schedule_changes', changes);
      ctx.metric('ar_switches_checked', check ? check.passes + check.fails : 0);
      ctx.metric('ar_switch_mismatches', check?.fails ?? 0);
      ctx.metric('schedule_p95_ms', endpointP95Ms(load, 'PATCH', SCHEDULE_NAME));
      ctx.metric('ar_p95_ms', endpointP95Ms(load, 'GET', AR_NAME));
      ctx.logger.log('info', `video scheduling: ${changes} schedule changes, ${check?.passes ?? 0} AR switches seen, ${check?.fails ?? 0} stale`);
      return { primary: load };
    },
  };
}
