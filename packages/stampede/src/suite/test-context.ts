/**
 * The context one workload runs in: the loads it starts are counted by the monitor (requests_total, for the leak
 * fit against requests served) and remembered with the monitor time they began; metrics and findings collect here.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Monitor } from '../monitor/monitor.ts';
import { TestVerdict } from './errors.ts';
import { runHttpLoad } from './http-load.ts';
import type { LiveLoad, LoadResult } from './load-result.ts';
import type { Finding, SuiteProfile, TestContext, TestSummary } from './types.ts';
import { runUserLoad } from './user-load.ts';

/** Environment shared by every test of a run. */
export interface SuiteEnvironment {
  targetUrl: string;
  logger: Logger;
  clock: Clock;
  reportDir: string;
  quick: boolean;
  profile: SuiteProfile;
  signal: AbortSignal;
}

/** A load the test ran, with the monitor time (s since the test began) it started at. */
export interface TimedLoad {
  result: LoadResult;
  startS: number;
}

/** The context plus what it collected. */
export interface CollectingContext extends TestContext {
  readonly loads: TimedLoad[];
  readonly metrics: TestSummary['metrics'];
  readonly findings: Finding[];
}

/** Creates the context of one test around its (started) monitor. */
export function createTestContext(env: SuiteEnvironment, monitor: Monitor): CollectingContext {
  const loads: TimedLoad[] = [];
  const metrics: TestSummary['metrics'] = {};
  const findings: Finding[] = [];
  // Requests of finished loads plus the live one: requests_total keeps growing across a test's loads.
  let served = 0;
  const track = async (run: (onStart: (live: LiveLoad) => void) => Promise<LoadResult>) => {
    const startS = monitor.elapsedS();
    const result = await run((live) => {
      const before = served;
      monitor.requestsServed = () => before + live.requests();
    });
    served += result.aggregate.totals().requests;
    monitor.requestsServed = () => served;
    loads.push({ result, startS });
    return result;
  };
  return {
    ...env,
    monitor,
    loads,
    metrics,
    findings,
    runUsers: (o) => track((onStart) => runUserLoad({ ...o, host: o.host ?? env.targetUrl, clock: env.clock, logger: o.logger ?? env.logger, signal: env.signal, onStart })),
    runHttp: (o) => track((onStart) => runHttpLoad({ ...o, baseUrl: o.baseUrl ?? env.targetUrl, clock: env.clock, signal: env.signal, onStart })),
    metric: (name, value) => {
      metrics[name] = value;
    },
    finding: (f) => {
      findings.push(f);
    },
    skip: (reason) => {
      throw new TestVerdict('skipped', reason);
    },
    inconclusive: (reason) => {
      throw new TestVerdict('inconclusive', reason);
    },
  };
}
