/**
 * Comprehensive / concurrent requests: the suite's mixed population of regular users (clients CRUD), readers and
 * website visitors (browse, AR content, create portraits) at once. Reports RPS, p95 and errors.
 */
import type { SuiteTest } from 'stampede-load/suite';
import { USERS_SCRIPT } from '../scenario-users.ts';
import { ReadOnlyUser, RegularUser, WebsiteUser } from '../users.ts';
import { failureRate } from './figures.ts';
import { healthSettings } from '../lib/api-session.ts';
import type { ScenarioEnv } from './scenario-env.ts';

/** The concurrent-requests test. */
export function mixedLoadTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'concurrent-requests',
    category: 'comprehensive',
    p95ObjectivesMs: { '*': plan.p95ObjectiveMs, 'POST /portraits': plan.p95ObjectiveMs * 4, 'POST /auth/register': plan.p95ObjectiveMs * 2, 'POST /auth/login': plan.p95ObjectiveMs * 2 },
    criteria: [
      { metric: 'failure_rate', max: plan.errorBudget },
      { metric: 'read_p95_ms', max: plan.p95ObjectiveMs },
    ],
    settings: () => healthSettings(env.target),
    async workload(ctx) {
      const users = plan.mixedUsers;
      const load = await ctx.runUsers({ userClasses: [RegularUser, ReadOnlyUser, WebsiteUser], script: USERS_SCRIPT, threads: 1, users, spawnRate: Math.max(2, users / 2), durationS: plan.mixedS });
      // Reads are what the objective is about; sign-ups hash passwords and uploads generate markers by design.
      const reads = load.aggregate.endpoints(load.durationS).filter((e) => e.method === 'GET');
      const worst = reads.reduce((m, e) => Math.max(m, e.latency.summaryMs().p95), 0);
      ctx.metric('users', users);
      ctx.metric('read_p95_ms', reads.length ? worst : null);
      ctx.metric('read_endpoints', reads.length);
      const t = load.aggregate.totals(load.durationS);
      ctx.logger.log('info', `concurrent requests: ${users} users, ${Math.round(t.rps * 10) / 10} req/s, p95 ${t.latency.summaryMs().p95} ms, failures ${failureRate(load) * 100} %`);
    },
  };
}
