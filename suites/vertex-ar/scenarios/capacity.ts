/**
 * Comprehensive / capacity: a read-mostly request mix (public AR content, the portrait list, a client by id) at
 * stepped-up concurrency until the p95 objective or the error budget breaks. The knee is the highest request rate
 * of a step that still met both. Reports the settings in force (`/health`) and whether pool or admission limits
 * showed (`db_pool_exhausted_total`, `http_requests_rejected_total` from /metrics).
 */
import type { HttpLoadRequest, LoadResult, SuiteTest, TestContext } from 'stampede-load/suite';
import { healthSettings, readMetrics, seedPortraits, setupSession, signUpWithClient } from '../lib/api-session.ts';
import { failureRate } from './figures.ts';
import { AR_NAME } from '../scenario-users.ts';
import type { ScenarioEnv } from './scenario-env.ts';

const LIMIT_SERIES = ['db_pool_exhausted_total', 'http_requests_rejected_total'];

interface Step {
  connections: number;
  load: LoadResult;
  rps: number;
  p95Ms: number;
  failureRate: number;
  broke?: string;
}

async function requestMix(baseUrl: string): Promise<HttpLoadRequest[]> {
  const session = setupSession(baseUrl);
  try {
    const clientId = await signUpWithClient(session, 'capacity');
    const portraits = await seedPortraits(session, clientId, 3);
    const headers = { authorization: session.defaultHeaders.authorization! };
    return [
      ...portraits.map((p) => ({ path: `/ar/${p.public_id}`, name: AR_NAME })),
      { path: '/portraits?limit=20', name: '/portraits', headers },
      ...portraits.map((p) => ({ path: `/ar/${p.public_id}`, name: AR_NAME })),
      { path: `/clients/${clientId}`, name: '/clients/:id', headers },
    ];
  } finally {
    await session.close();
  }
}

async function runSteps(ctx: TestContext, env: ScenarioEnv, requests: HttpLoadRequest[]): Promise<Step[]> {
  const { plan } = env;
  const steps: Step[] = [];
  for (const connections of plan.capacitySteps) {
    if (ctx.signal.aborted) break;
    const load = await ctx.runHttp({ requests, connections, durationS: plan.capacityStepS });
    const t = load.aggregate.totals(load.durationS);
    const step: Step = { connections, load, rps: Math.round(t.rps * 10) / 10, p95Ms: t.latency.summaryMs().p95, failureRate: failureRate(load) };
    if (step.p95Ms > plan.capacityObjectiveMs) step.broke = `p95 ${step.p95Ms} ms > ${plan.capacityObjectiveMs} ms`;
    else if (step.failureRate > plan.errorBudget) step.broke = `failures ${step.failureRate * 100} % > ${plan.errorBudget * 100} %`;
    steps.push(step);
    ctx.metric(`step_${connections}_rps`, step.rps);
    ctx.metric(`step_${connections}_p95_ms`, step.p95Ms);
    ctx.logger.log('info', `capacity: ${connections} connections → ${step.rps} req/s, p95 ${step.p95Ms} ms, failures ${step.failureRate * 100} %${step.broke ? ` — broke: ${step.broke}` : ''}`);
    if (step.broke) break;
  }
  return steps;
}

/** The capacity test. */
export function capacityTest(env: ScenarioEnv): SuiteTest {
  const { plan } = env;
  const settings = () => healthSettings(env.target);
  return {
    name: 'capacity',
    category: 'capacity',
    settings,
    // Breaking at the lowest step is a failure (or inconclusive when the generator was the bottleneck).
    criteria: [{ metric: 'lowest_step_p95_ms', max: plan.capacityObjectiveMs }, { metric: 'lowest_step_failure_rate', max: plan.errorBudget }],
    async workload(ctx) {
      const requests = await requestMix(ctx.targetUrl);
      const before = await readMetrics(ctx.targetUrl, LIMIT_SERIES);
      const steps = await runSteps(ctx, env, requests);
      const after = await readMetrics(ctx.targetUrl, LIMIT_SERIES);
      for (const [k, v] of Object.entries(await settings())) ctx.metric(`setting_${k}`, v);
      if ('values' in before && 'values' in after) {
        for (const s of LIMIT_SERIES) if (s in after.values) ctx.metric(`${s}_delta`, after.values[s]! - (before.values[s] ?? 0));
        const hit = LIMIT_SERIES.filter((s) => (after.values[s] ?? 0) > (before.values[s] ?? 0));
        if (hit.length) ctx.finding({ kind: 'pool_limits', text: `limits showed during the steps: ${hit.join(', ')} grew — the knee is where the pool or admission limit refuses work`, evidence: { before: before.values, after: after.values } });
      }
      const plateau = steps.find((s, i) => i > 0 && s.rps < steps[i - 1]!.rps * 1.1);
      if (plateau) {
        const before = steps[steps.indexOf(plateau) - 1]!;
        ctx.metric('plateau_connections', before.connections);
        ctx.finding({ kind: 'throughput_plateau', text: `throughput stopped growing at ${before.connections} connections (${before.rps} req/s; ${plateau.rps} req/s at ${plateau.connections}): past it, more concurrency only queues — the server (or, on one machine, the generator) is CPU-bound`, evidence: { connections: before.connections, rps: before.rps, next_connections: plateau.connections, next_rps: plateau.rps } });
      }
      const ok = steps.filter((s) => !s.broke);
      const broke = steps.find((s) => s.broke);
      const knee = ok.reduce<Step | undefined>((best, s) => (!best || s.rps > best.rps ? s : best), undefined);
      ctx.metric('objective_p95_ms', plan.capacityObjectiveMs);
      ctx.metric('error_budget', plan.errorBudget);
      ctx.metric('knee_rps', knee?.rps ?? null);
      ctx.metric('knee_connections', knee?.connections ?? null);
      ctx.metric('break_connections', broke?.connections ?? null);
      ctx.metric('break_reason', broke?.broke ?? null);
      ctx.metric('lowest_step_p95_ms', steps[0]?.p95Ms ?? null);
      ctx.metric('lowest_step_failure_rate', steps[0]?.failureRate ?? null);
      const primary = knee?.load ?? steps.at(-1)?.load;
      if (!broke) return { primary, status: 'inconclusive', reason: `did not break up to ${steps.at(-1)?.connections} connections (${knee?.rps} req/s, p95 ${knee?.p95Ms} ms): the knee is higher — run --profile stress` };
      if (!knee) return { primary, reason: `${broke.broke} already at ${broke.connections} connection(s), the lowest step` };
      return { primary, status: 'passed', reason: `knee ${knee.rps} req/s at ${knee.connections} connections; ${broke.broke} at ${broke.connections}` };
    },
  };
}
