/**
 * Stress: ApiStressTest (rapid health checks and docs access, 0.1–0.5 s apart) hammers the cheapest paths while the
 * administrators of users.ts (AdminUser: AdminBehavior's admin login, every user, client and portrait, storage check)
 * work through the whole system at once — do the admin views stay usable while the API is flooded?
 */
import type { SuiteTest } from 'stampede-load/suite';
import { healthSettings } from '../lib/api-session.ts';
import { USERS_SCRIPT } from '../scenario-users.ts';
import { AdminUser, ApiStressTest } from '../users.ts';
import { ADMIN_REQUIREMENT } from './basic.ts';
import { endpointP95Ms } from './figures.ts';
import type { ScenarioEnv } from './scenario-env.ts';

/** The api-stress test. */
export function apiStressTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'api-stress',
    category: 'stress',
    settings: () => healthSettings(env.target),
    needs: [ADMIN_REQUIREMENT],
    p95ObjectivesMs: { '*': plan.p95ObjectiveMs, 'POST /auth/login (admin)': plan.p95ObjectiveMs * 2 },
    criteria: [
      { metric: 'failure_rate', max: plan.errorBudget },
      { metric: 'stress_requests', min: 1 },
      { metric: 'admin_requests', min: 1 },
    ],
    async workload(ctx) {
      const users = plan.stressUsers;
      const load = await ctx.runUsers({ userClasses: [ApiStressTest, AdminUser], script: USERS_SCRIPT, threads: 1, users, spawnRate: users, durationS: plan.stressS });
      const endpoints = load.aggregate.endpoints(load.durationS);
      const ok = (e: { requests: number; failures: number }) => e.requests - e.failures;
      const admin = endpoints.filter((e) => e.method === 'GET' && e.name.startsWith('/admin/'));
      const stress = endpoints.filter((e) => e.method === 'GET' && (e.name === '/health/live' || e.name === '/openapi.json'));
      ctx.metric('users', users);
      ctx.metric('stress_requests', stress.reduce((n, e) => n + ok(e), 0));
      ctx.metric('admin_requests', admin.reduce((n, e) => n + ok(e), 0));
      ctx.metric('health_p95_ms', endpointP95Ms(load, 'GET', '/health/live'));
      ctx.metric('docs_p95_ms', endpointP95Ms(load, 'GET', '/openapi.json'));
      ctx.metric('admin_p95_ms', admin.length ? Math.max(...admin.map((e) => e.latency.summaryMs().p95)) : null);
      const t = load.aggregate.totals(load.durationS);
      ctx.logger.log('info', `api stress: ${users} users, ${Math.round(t.rps * 10) / 10} req/s, ${admin.reduce((n, e) => n + ok(e), 0)} admin requests`);
    },
  };
}
