/**
 * Comprehensive / memory: a sustained create/read load (create clients, list them, read AR content and the
 * profile) with the target's RSS — and its heap, from /metrics — fitted against time and requests served after a
 * warm-up (5 s, or 10 s for loads of 30 s and more). The verdict needs ≥ 15 s of load (warm-up + 10 s fit): shorter
 * runs (`--quick`) say inconclusive.
 */
import type { HttpLoadRequest, SuiteTest } from 'stampede-load/suite';
import { healthSettings, seedPortraits, setupSession, signUpWithClient, type PortraitBody } from '../lib/api-session.ts';
import { failureRate } from './figures.ts';
import { AR_NAME } from '../scenario-users.ts';
import type { ScenarioEnv } from './scenario-env.ts';

/** Warm-up left out of the fit, s: the LRU cache and the heap size themselves first (longer when there is time). */
const warmupS = (leakS: number) => (leakS >= 30 ? 10 : 5);

/** The memory-leak test. */
export function memoryLeakTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  const WARMUP_S = warmupS(plan.leakS);
  return {
    name: 'memory-leak',
    category: 'memory',
    leak: { warmupS: WARMUP_S },
    settings: () => healthSettings(env.target),
    criteria: [{ metric: 'failure_rate', max: plan.errorBudget }],
    async workload(ctx) {
      const session = setupSession(ctx.targetUrl);
      let auth: string;
      let portraits: PortraitBody[];
      try {
        const clientId = await signUpWithClient(session, 'leak');
        portraits = await seedPortraits(session, clientId, 4);
        auth = session.defaultHeaders.authorization!;
      } finally {
        await session.close();
      }
      const headers = { authorization: auth };
      const requests: HttpLoadRequest[] = [
        { method: 'POST', path: '/clients', name: '/clients', headers, json: { name: 'leak-test client', notes: 'sustained create/read' } },
        { path: '/clients?limit=20', name: '/clients', headers },
        ...portraits.map((p) => ({ path: `/ar/${p.public_id}`, name: AR_NAME })),
        { path: '/users/me', headers },
      ];
      if (plan.leakS < WARMUP_S + 10) {
        ctx.finding({ kind: 'leak_window', text: `${plan.leakS} s of load leaves less than the ${WARMUP_S} s warm-up + 10 s fit the leak verdict needs: expect inconclusive (run without --quick, or --profile endurance --duration 10m)` });
      }
      const load = await ctx.runHttp({ requests, connections: plan.leakConnections, durationS: plan.leakS });
      ctx.logger.log('info', `memory leak: ${load.aggregate.totals(load.durationS).requests} requests over ${Math.round(load.durationS)} s, failures ${failureRate(load) * 100} %; fitting RSS`);
    },
  };
}
