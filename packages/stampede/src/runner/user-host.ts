/**
 * The thread side of the runner: runs the users the main thread assigns to this thread, records into the
 * thread's StatsSet, and answers snapshot and stop requests. Used inside a worker thread (worker-main.ts) and
 * in-process (tests, --threads 0).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { systemClock, type Clock } from '../clock.ts';
import { levelEnabled, type Logger } from '../logger.ts';
import { createDispatcher } from '../http/dispatcher.ts';
import { createHttpSession } from '../http/session.ts';
import type { HttpSession } from '../http/types.ts';
import { StatsSet } from '../stats/stats-set.ts';
import { createRandom, userSeed } from '../user/random.ts';
import { createTagFilter, type TagFilter } from '../user/task-plan.ts';
import { isHttpUserClass, resolveHost, type UserClass } from '../user/user.ts';
import { runUser } from '../user/user-runner.ts';
import type { FromThread, ThreadCounters, ThreadInit, ToThread } from './messages.ts';
import type { PacingCounters } from '../user/wait-time.ts';

interface HostedUser {
  controller: AbortController;
  session?: HttpSession;
  done: Promise<void>;
}

export class UserHost {
  readonly #init: ThreadInit;
  readonly #classes: Map<string, UserClass>;
  readonly #send: (m: FromThread) => void;
  readonly #clock: Clock;
  readonly #stats: StatsSet;
  readonly #dispatcher: Dispatcher;
  readonly #logger: Logger;
  readonly #tagFilter: TagFilter;
  readonly #users = new Map<number, HostedUser>();
  #stopping = false;
  #iterations = 0;
  readonly #pacing: PacingCounters = { late: 0, missed: 0 };
  readonly #loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(init: ThreadInit, classes: Map<string, UserClass>, send: (m: FromThread) => void, clock: Clock = systemClock) {
    this.#init = init;
    this.#classes = classes;
    this.#send = send;
    this.#clock = clock;
    this.#logger = {
      log: (level, message, source = 'stampede') => {
        if (levelEnabled(level, init.logLevel)) send({ type: 'log', level, source, message, time: clock.wallNow() });
      },
    };
    this.#stats = new StatsSet({ maxNames: init.maxNames, onWarning: (m) => this.#logger.log('warning', m) });
    this.#dispatcher = createDispatcher();
    this.#tagFilter = createTagFilter(init.tags, init.excludeTags);
    this.#loopDelay.enable();
  }

  /** Counters since the previous call (loop lag: since the thread started). */
  #counters(): ThreadCounters {
    const c: ThreadCounters = {
      iterations: this.#iterations,
      late: this.#pacing.late,
      missed: this.#pacing.missed,
      loopLagP99Ms: this.#loopDelay.count ? this.#loopDelay.percentile(99) / 1e6 : 0,
    };
    this.#iterations = 0;
    this.#pacing.late = 0;
    this.#pacing.missed = 0;
    return c;
  }

  handle(message: ToThread): void {
    switch (message.type) {
      case 'spawn':
        this.#spawn(message.userId, message.className);
        break;
      case 'stop-users':
        for (const id of message.userIds) this.#users.get(id)?.controller.abort();
        break;
      case 'snapshot':
        this.#send({
          type: 'snapshot',
          threadId: this.#init.threadId,
          seq: message.seq,
          delta: this.#stats.snapshot(),
          users: this.#users.size,
          counters: this.#counters(),
        });
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

  #spawn(userId: number, className: string): void {
    if (this.#stopping) return;
    const cls = this.#classes.get(className);
    if (!cls) {
      this.#logger.log('error', `unknown user class ${className}`);
      return;
    }
    const controller = new AbortController();
    const host = resolveHost(cls, this.#init.host);
    const session = isHttpUserClass(cls)
      ? createHttpSession({ baseUrl: host ?? '', recorder: this.#stats, logger: this.#logger, dispatcher: this.#dispatcher })
      : undefined;
    const done = runUser(cls, {
      clock: this.#clock,
      logger: this.#logger,
      recorder: this.#stats,
      session,
      host,
      signal: controller.signal,
      rng: createRandom(userSeed(this.#init.seed, userId)),
      tagFilter: this.#tagFilter,
      userIndex: userId,
      pacing: this.#pacing,
      onIteration: () => {
        this.#iterations++;
      },
    }).finally(() => {
      this.#users.delete(userId);
      if (!controller.signal.aborted) this.#send({ type: 'user-exited', threadId: this.#init.threadId, userId });
    });
    this.#users.set(userId, { controller, session, done });
  }

  /** Graceful stop: users finish their task; past the timeout, what is in flight is aborted (recorded interrupted). */
  async #stop(stopTimeoutMs: number): Promise<void> {
    this.#stopping = true;
    const users = [...this.#users.values()];
    for (const u of users) u.controller.abort();
    const all = Promise.all(users.map((u) => u.done));
    const timedOut = await Promise.race([all.then(() => false), this.#clock.sleep(stopTimeoutMs).then(() => true)]);
    if (timedOut) {
      for (const u of users) u.session?.abortAll();
      // Aborted requests resolve at once; give their tasks a moment to record them, but no more.
      await Promise.race([all, this.#clock.sleep(500)]);
    }
    // Nothing may reach the target after the final snapshot, or the server would count requests we did not.
    await this.#dispatcher.destroy();
    this.#send({ type: 'stopped', threadId: this.#init.threadId, delta: this.#stats.snapshot(), counters: this.#counters() });
  }
}
