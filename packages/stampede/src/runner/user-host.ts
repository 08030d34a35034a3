/**
 * The thread side of the runner: runs the users the main thread assigns to this thread (closed model) and this
 * thread's share of arrival-rate scenarios (open model), records into one StatsSet per scenario, and answers
 * snapshot and stop requests. Used inside a worker thread (worker-main.ts) and in-process (tests, and runs of one user thread).
 */
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { systemClock, type Clock } from '../clock.ts';
import type { Logger, LogLevel } from '../logger.ts';
import { createLeanDispatcher, type LeanAgent } from '../http/lean/lean-agent.ts';
import { createHttpSession } from '../http/session.ts';
import { StopLatch, type AbortLike } from '../stop-latch.ts';
import type { HttpSession } from '../http/types.ts';
import type { Recorder } from '../stats/recorder.ts';
import { StatsSet } from '../stats/stats-set.ts';
import { errorMessage } from '../user/errors.ts';
import { createRandom, userSeed } from '../user/random.ts';
import { readSetupData } from '../user/lifecycle.ts';
import { GroupTagRecorder } from '../user/metrics.ts';
import { createTagFilter, type TagFilter } from '../user/task-plan.ts';
import { isHttpUserClass, resolveHost, type UserClass } from '../user/user.ts';
import { createUserInstance, runUser, type RunUserContext } from '../user/user-runner.ts';
import { ArrivalSchedule } from '../workload/arrival-schedule.ts';
import type { ArrivalScenarioPlan } from '../workload/scenarios.ts';
import { ArrivalExecutor, type ArrivalUser } from './arrival-executor.ts';
import { CorrectingRecorder } from './corrected-recorder.ts';
import {
  combineSnapshots,
  DEFAULT_SCENARIO,
  threadLogger,
  zeroCounters,
  type ArrivalShare,
  type FromThread,
  type IterationCounters,
  type ScenarioSnapshot,
  type ThreadInit,
  type ToThread,
} from './messages.ts';

interface HostedUser {
  controller: StopLatch;
  session?: HttpSession;
  done: Promise<void>;
  scenario: ScenarioState;
}

interface ScenarioState {
  name: string;
  stats: StatsSet;
  readonly counters: IterationCounters;
  closedUsers: number;
  arrival?: { executor: ArrivalExecutor; controller: AbortController; done: Promise<void> };
}

/**
 * Heap settings for threads of long-lived, mostly waiting users (issue 11 goal 3), measured at 1,000 and 10,000
 * users waiting between(1, 2) for 30 s (bench/scripts/idle-user.ts; A/B in docs/performance.md). Flags are
 * process-wide and V8 reads these when it sizes the heap, so setting them after start applies to every thread.
 * - Always: `--semi-space-growth-factor=1` keeps the young generation at its initial 1 MiB semi-spaces. Waiting
 *   users keep each wait's timer and promise alive across scavenges anyway, so V8's doubling up to 16 MiB
 *   semi-spaces only added ~25 MiB of RSS; 50 busy users ran as fast or faster with it.
 * - From MANY_USERS users in one thread: `--optimize-for-size`, so V8 sizes the old generation from what survives
 *   instead of filling a ~37 MiB initial limit (from the 4 GiB default maximum) before the first mark-compact:
 *   1,000 users 89 -> 72 MiB peak, 10,000 users ~190 -> 134 MiB. Not below that: with 50 busy users against nginx
 *   it cost a few per cent of throughput (noisy A/B, 2 rounds: 62.9-64.7k with, 66.9-69.8k without).
 */
const MANY_USERS = 200;

function capYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

let sizedForManyUsers = false;
function sizeHeapForManyUsers(): void {
  if (sizedForManyUsers) return;
  sizedForManyUsers = true;
  setFlagsFromString('--optimize-for-size');
}

const abortSessions = (users: ArrivalUser[]) => users.forEach((u) => u.session?.abortAll());

export class UserHost {
  readonly #init: ThreadInit;
  readonly #classes: Map<string, UserClass>;
  readonly #send: (m: FromThread) => void;
  readonly #clock: Clock;
  readonly #dispatcher: LeanAgent;
  readonly #logger: Logger;
  readonly #tagFilter: TagFilter;
  /** What setup() returned: parsed once, frozen, shared by every user of this thread. */
  readonly #setupData: unknown;
  readonly #users = new Map<number, HostedUser>();
  readonly #scenarios = new Map<string, ScenarioState>();
  #stopping = false;
  readonly #loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(init: ThreadInit, classes: Map<string, UserClass>, send: (m: FromThread) => void, clock: Clock = systemClock) {
    this.#init = init;
    this.#classes = classes;
    this.#send = send;
    this.#clock = clock;
    this.#logger = threadLogger(init.logLevel, send, () => clock.wallNow());
    // Plain-http hops over the lean HTTP/1.1 path (−20 MiB at 1,000 idle users, issue 11 goal 3); https and
    // anything else the lean path does not cover go through undici, loaded on the first such hop.
    this.#dispatcher = createLeanDispatcher(init.insecure === true ? { rejectUnauthorized: false } : {});
    capYoungGeneration();
    this.#tagFilter = createTagFilter(init.tags, init.excludeTags);
    this.#setupData = readSetupData(init.setupData);
    this.#loopDelay.enable();
  }

  #scenario(name: string): ScenarioState {
    let s = this.#scenarios.get(name);
    if (!s) {
      const stats = new StatsSet({ maxNames: this.#init.maxNames, onWarning: (m) => this.#logger.log('warning', m) });
      this.#scenarios.set(name, (s = { name, stats, counters: zeroCounters(), closedUsers: 0 }));
    }
    return s;
  }

  /** Every scenario's delta and counters since the previous call. */
  #drain(): ScenarioSnapshot[] {
    if (this.#scenarios.size === 0) this.#scenario(DEFAULT_SCENARIO);
    return [...this.#scenarios.values()].map((s) => {
      const counters = { ...s.counters };
      // Users and executors hold the counters object (pacing, iterations): reset it in place.
      Object.assign(s.counters, zeroCounters());
      const users = s.closedUsers + (s.arrival?.executor.users ?? 0);
      return { scenario: s.name, delta: s.stats.snapshot(), counters, users };
    });
  }

  /**
   * An error that escaped user code (thrown in a callback, or a promise nobody awaited) while the users run on the
   * caller's thread: counted as an exception of the run and logged, as a task's exception is.
   */
  recordUncaught(error: unknown): void {
    this.#scenario(DEFAULT_SCENARIO).stats.recordException(error);
    this.#logger.log('error', `uncaught error in user code (a promise not awaited, or a throw in a callback?): ${errorMessage(error)}`);
  }

  /** A line user code printed with console.log and friends (runs on the caller's thread: console-capture.ts). */
  consoleLine(level: LogLevel, message: string): void {
    this.#logger.log(level, message, 'console');
  }

  #loopLagP99Ms(): number {
    return this.#loopDelay.count ? this.#loopDelay.percentile(99) / 1e6 : 0;
  }

  handle(message: ToThread): void {
    switch (message.type) {
      case 'spawn':
        this.#spawn(message.userId, message.className, message.scenario ?? DEFAULT_SCENARIO, message.corrected ?? false, message.iterations);
        break;
      case 'stop-users':
        for (const id of message.userIds) this.#users.get(id)?.controller.abort();
        break;
      case 'start-arrival':
        this.#startArrival(message.plan, message.share, message.gracefulStopMs);
        break;
      case 'snapshot':
      {
        const scenarios = this.#drain();
        this.#send({ type: 'snapshot', threadId: this.#init.threadId, seq: message.seq, ...combineSnapshots(scenarios, this.#loopLagP99Ms()), scenarios });
      }
        break;
      case 'stop':
        void this.#stop(message.stopTimeoutMs);
        break;
      case 'close':
        this.#loopDelay.disable();
        void this.#dispatcher.destroy();
        break;
    }
  }

  /** The user context of one user: its session records through `recorder` (the scenario's stats, or a correcting wrapper). */
  #context(cls: UserClass, userId: number, scenarioRecorder: Recorder, signal: AbortLike): RunUserContext {
    // Requests made inside a `group()` carry its tag: the user's session and measure() record through this.
    const recorder = new GroupTagRecorder(scenarioRecorder);
    const host = resolveHost(cls, this.#init.host);
    const session = isHttpUserClass(cls)
      ? createHttpSession({ baseUrl: host ?? '', recorder, logger: this.#logger, dispatcher: this.#dispatcher })
      : undefined;
    const rng = createRandom(userSeed(this.#init.seed, userId));
    return { clock: this.#clock, logger: this.#logger, recorder, session, host, signal, rng, tagFilter: this.#tagFilter, userIndex: userId, setupData: this.#setupData };
  }

  #class(className: string): UserClass | undefined {
    const cls = this.#classes.get(className);
    if (!cls) this.#logger.log('error', `unknown user class ${className}`);
    return cls;
  }

  #spawn(userId: number, className: string, scenarioName: string, corrected: boolean, iterations: number | undefined): void {
    const cls = this.#stopping ? undefined : this.#class(className);
    if (!cls) return;
    const scenario = this.#scenario(scenarioName);
    const controller = new StopLatch();
    const recorder = corrected ? new CorrectingRecorder(scenario.stats) : scenario.stats;
    const ctx = this.#context(cls, userId, recorder, controller);
    scenario.closedUsers++;
    const done = runUser(cls, {
      ...ctx,
      maxIterations: iterations,
      pacing: scenario.counters,
      onIteration: () => {
        scenario.counters.iterations++;
      },
    }).finally(() => {
      // A stopped user's open WebSockets close with it.
      ctx.session?.abortAll();
      scenario.closedUsers--;
      this.#users.delete(userId);
      if (!controller.aborted) this.#send({ type: 'user-exited', threadId: this.#init.threadId, userId });
    });
    this.#users.set(userId, { controller, session: ctx.session, done, scenario });
    if (this.#users.size >= MANY_USERS) sizeHeapForManyUsers();
  }

  #arrivalUser(share: ArrivalShare, j: number, scenario: ScenarioState, signal: AbortSignal): ArrivalUser | undefined {
    const cls = this.#class(share.classOrder[j % share.classOrder.length]!);
    if (!cls) return undefined;
    const recorder = new CorrectingRecorder(scenario.stats);
    const ctx = this.#context(cls, share.userIdBase + share.index + j * share.count, recorder, signal);
    try {
      return { instance: createUserInstance(cls, ctx), recorder, session: ctx.session };
    } catch (error) {
      scenario.stats.recordException(error);
      this.#logger.log('error', `could not create ${cls.name}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  #startArrival(plan: ArrivalScenarioPlan, share: ArrivalShare, gracefulStopMs: number): void {
    const scenario = this.#scenario(plan.name);
    if (this.#stopping || scenario.arrival) return;
    const controller = new AbortController();
    // Every user of the scenario listens to this one signal: more than ten is normal, not a leak.
    setMaxListeners(0, controller.signal);
    const executor = new ArrivalExecutor({
      schedule: new ArrivalSchedule(plan.arrival),
      share,
      whenBusy: plan.whenBusy,
      clock: this.#clock,
      counters: scenario.counters,
      createUser: (j) => this.#arrivalUser(share, j, scenario, controller.signal),
      signal: controller.signal,
    });
    const done = (async () => {
      await executor.run();
      if (!controller.signal.aborted) await executor.end(gracefulStopMs, abortSessions);
      this.#send({ type: 'arrival-done', threadId: this.#init.threadId, scenario: plan.name });
    })();
    scenario.arrival = { executor, controller, done };
  }

  /** Graceful stop: users finish their task; past the timeout, what is in flight is aborted (recorded interrupted). */
  async #stop(stopTimeoutMs: number): Promise<void> {
    this.#stopping = true;
    const users = [...this.#users.values()];
    for (const u of users) u.controller.abort();
    const ends: Promise<void>[] = users.map((u) => u.done);
    for (const s of this.#scenarios.values()) {
      if (!s.arrival) continue;
      s.arrival.controller.abort();
      ends.push(s.arrival.executor.end(stopTimeoutMs, abortSessions, true), s.arrival.done);
    }
    const all = Promise.all(ends);
    const timedOut = await Promise.race([all.then(() => false), this.#clock.sleep(stopTimeoutMs).then(() => true)]);
    if (timedOut) {
      for (const u of users) u.session?.abortAll();
      // Aborted requests resolve at once; give their tasks a moment to record them, but no more.
      await Promise.race([all, this.#clock.sleep(500)]);
    }
    // Nothing may reach the target after the final snapshot, or the server would count requests we did not.
    await this.#dispatcher.destroy();
    const scenarios = this.#drain();
    const { delta, counters } = combineSnapshots(scenarios, this.#loopLagP99Ms());
    this.#send({ type: 'stopped', threadId: this.#init.threadId, delta, counters, scenarios });
  }
}
