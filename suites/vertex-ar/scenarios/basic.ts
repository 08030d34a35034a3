/**
 * Basic performance, end to end: a user's whole path (sign up, create a client, upload a portrait, list and read
 * it, its public AR content), and the admin's views (users, clients, portraits, storage) with the bootstrap admin.
 * Without admin credentials (a `--target` run with no ADMIN_USERNAME/ADMIN_PASSWORD) the admin test is skipped.
 */
import { HttpUser, SequentialTaskSet, between, task, type Requirement, type SuiteTest, type UserClass } from 'stampede';
import { adminLogin, signUpWithClient } from '../lib/api-session.ts';
import { samplePng } from '../lib/sample-image.ts';
import type { AdminCredentials, ScenarioEnv } from './scenario-env.ts';

/** Name of the optional requirement the admin test needs. */
export const ADMIN_REQUIREMENT = 'admin credentials';

/** One pass through the user's path, in order. */
class UserJourney extends SequentialTaskSet<HttpUser> {
  clientId = 0;
  portraitId = 0;
  override async onStart(): Promise<void> {
    this.clientId = await signUpWithClient(this.client, 'basic');
  }
  @task async upload(): Promise<void> {
    const image = { data: samplePng(Math.floor(Math.random() * 2 ** 31)), filename: 'portrait.png', contentType: 'image/png' };
    const res = await this.client.post('/portraits', { multipart: { client_id: String(this.clientId), image } });
    if (res.status === 201) this.portraitId = res.json<{ id: number }>().id;
  }
  @task async listPortraits(): Promise<void> {
    await this.client.get('/portraits', { query: { limit: 20 } });
  }
  @task async readPortrait(): Promise<void> {
    if (this.portraitId) await this.client.get(`/portraits/${this.portraitId}`, { name: '/portraits/:id' });
  }
  @task async arContent(): Promise<void> {
    if (this.portraitId) await this.client.get(`/ar/${this.portraitId}`, { name: '/ar/:portraitId' });
  }
  @task async listClients(): Promise<void> {
    await this.client.get('/clients', { query: { limit: 20 } });
  }
}

class BasicUser extends HttpUser {
  static override waitTime = between(0.05, 0.2);
  static override tasks = [UserJourney];
}

function adminUser(admin: AdminCredentials): UserClass {
  return class BasicAdmin extends HttpUser {
    static override waitTime = between(0.05, 0.2);
    override async onStart(): Promise<void> {
      await adminLogin(this.client, admin);
    }
    @task(3) async users(): Promise<void> {
      await this.client.get('/admin/users');
    }
    @task(2) async clients(): Promise<void> {
      await this.client.get('/admin/clients');
    }
    @task(2) async portraits(): Promise<void> {
      await this.client.get('/admin/portraits');
    }
    @task(1) async storage(): Promise<void> {
      const res = await this.client.get('/admin/storage');
      this.check('storage backend ok', res.status === 200);
    }
  };
}

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
    p95ObjectivesMs: { '*': plan.p95ObjectiveMs, 'POST /portraits': plan.p95ObjectiveMs * 4, 'POST /auth/register': plan.p95ObjectiveMs * 2, 'POST /auth/login': plan.p95ObjectiveMs * 2 },
    criteria: [{ metric: 'failure_rate', max: 0 }, { metric: 'requests', min: 1 }],
    workload: async (ctx) => void (await ctx.runUsers({ userClasses: [BasicUser], users: plan.basicUsers, durationS: plan.basicS })),
  };
}

/** Admin operations with the bootstrap admin. */
export function basicAdminTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  return {
    name: 'basic-admin-operations',
    category: 'basic',
    needs: [ADMIN_REQUIREMENT],
    p95ObjectivesMs: { '*': plan.p95ObjectiveMs },
    criteria: [{ metric: 'failure_rate', max: 0 }, { metric: 'requests', min: 1 }],
    workload: async (ctx) => void (await ctx.runUsers({ userClasses: [adminUser(env.admin!)], users: Math.max(1, Math.ceil(plan.basicUsers / 2)), durationS: plan.basicS })),
  };
}
