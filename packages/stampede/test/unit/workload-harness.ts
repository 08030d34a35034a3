/** A LocalRunner on in-process user threads and a fake clock, for exact counts of every workload model. */
import { Aggregate } from '../../src/stats/aggregate.ts';
import { InProcessUserThread } from '../../src/runner/in-process-thread.ts';
import { LocalRunner } from '../../src/runner/local-runner.ts';
import { runScenarios } from '../../src/runner/scenario-run.ts';
import type { UserClass } from '../../src/user/user.ts';
import type { ScenarioPlan } from '../../src/workload/scenarios.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeLogger } from './user-fakes.ts';

export interface Harness {
  clock: FakeClock;
  runner: LocalRunner;
  aggregate: Aggregate;
  logger: FakeLogger;
  /**
   * Runs the plans to their end (or `limitMs` of fake time), then stops the runner; resolves when all is folded in.
   * `probe` is called every 500 ms of fake time with the time since the start, ms.
   */
  run(plans: ScenarioPlan[], limitMs: number, probe?: (tMs: number) => void): Promise<void>;
}

/** A runner over `threads` in-process threads running `classes`, all on one fake clock. */
export async function createHarness(classes: UserClass[], threads = 1): Promise<Harness> {
  const clock = new FakeClock();
  const aggregate = new Aggregate();
  const logger = new FakeLogger();
  const ts = Array.from({ length: threads }, (_, i) => new InProcessUserThread({ threadId: i, logLevel: 'error', maxNames: 100, seed: 7 }, classes, clock));
  const runner = new LocalRunner({ threads: ts, aggregate, clock, logger, classForUser: () => classes[0]!.name });
  await runner.waitReady();
  const run = async (plans: ScenarioPlan[], limitMs: number, probe?: (tMs: number) => void) => {
    const stop = new AbortController();
    let finished = false;
    const done = runScenarios({ runner, plans, classes, clock, logger, signal: stop.signal, stopTimeoutMs: 1000 }).then(() => {
      finished = true;
    });
    for (let t = 0; t < limitMs && !finished; ) {
      await clock.advance(Math.min(500, limitMs - t));
      t += 500;
      probe?.(t);
    }
    stop.abort();
    await done;
    const stopping = runner.stop(1000);
    await clock.advance(5000);
    await stopping;
    await runner.close();
  };
  return { clock, runner, aggregate, logger, run };
}
