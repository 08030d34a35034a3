/**
 * Basic performance, end to end: a user's whole path (sign up, create a client, upload a portrait, list and read
 * it, its public AR content), and the admin's views (users, clients, portraits, storage) with the bootstrap admin.
 * Without admin credentials (a `--target` run with no ADMIN_USERNAME/ADMIN_PASSWORD) the admin test is skipped.
 */
import type { Requirement, SuiteTest } from 'stampede-load/suite';
import { BasicAdmin, BasicUser, SCENARIO_USERS_SCRIPT } from '../scenario-users.ts';
import { healthSettings } from '../lib/api-session.ts';
import type { ScenarioEnv } from './scenario-env.ts';

/** Name of the optional requirement the admin test needs. */
export const ADMIN_REQUIREMENT = 'admin credentials';

/** The optional requirement: admin credentials known to the suite. */
export function adminRequirement(env: ScenarioEnv): Requirement {
  return {
    name: ADMIN_REQUIREMENT,
    optional: true,
    hint: 'set ADMIN_USERNAME and ADMIN_PASSWORD to the values the target bootstrapped its admin from',
    check: async () => (env.admin ? undefined : 'ADMIN_USERNAME / ADMIN_PASSWORD are not set'),
  };
}

/** Upload, list and read operations of a regular user. */
export function basicUserTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'basic-user-operations',
    category: 'basic',
    settings: () => healthSettings(env.target),
    p95ObjectivesMs: { '*': plan.p95ObjectiveMs, 'POST /portraits': plan.p95ObjectiveMs * 4, 'POST /auth/register': plan.p95ObjectiveMs * 2, 'POST /auth/login': plan.p95ObjectiveMs * 2 },
    criteria: [{ metric: 'failure_rate', max: 0 }, { metric: 'requests', min: 1 }],
    workload: async (ctx) => void (await ctx.runUsers({ userClasses: [BasicUser], script: SCENARIO_USERS_SCRIPT, threads: 1, users: plan.basicUsers, durationS: plan.basicS })),
  };
}

/** Admin operations with the bootstrap admin. */
export function basicAdminTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'basic-admin-operations',
    category: 'basic',
    settings: () => healthSettings(env.target),
    needs: [ADMIN_REQUIREMENT],
    p95ObjectivesMs: { '*': plan.p95ObjectiveMs },
    criteria: [{ metric: 'failure_rate', max: 0 }, { metric: 'requests', min: 1 }],
    workload: async (ctx) => void (await ctx.runUsers({ userClasses: [BasicAdmin], script: SCENARIO_USERS_SCRIPT, threads: 1, users: Math.max(1, Math.ceil(plan.basicUsers / 2)), durationS: plan.basicS })),
  };
}
