/**
 * Arrival-rate scenarios on the cluster, master side: the ClusterThread's share (the runner's whole scenario) is
 * split over the live workers with the rule every level uses (runner/arrival-share.ts), so the cluster starts the
 * iterations a local run would, on the same schedule. The scenario is done for the runner when every worker said
 * `arrival-done` (or was lost).
 *
 * A lost worker's share is not moved (its executor's schedule and users live in the lost process). The iterations of
 * its share that it did not report — never started, or started but whose figures were lost with it — are counted
 * `dropped` when the scenario ends or the run stops, so `started + dropped` still equals what was scheduled.
 *
 * The runner counts an arrival scenario's users from the snapshots of each thread; the whole cluster is its one
 * thread, so every answer handed to it carries the cluster's users of the scenario (the sum of each live worker's
 * last figure), not the figure of the one worker thread that sent it.
 */
import type { Logger } from '../logger.ts';
import { iterationsDue, splitShare } from '../runner/arrival-share.ts';
import { zeroCounters, type ArrivalShare, type FromThread, type ScenarioSnapshot, type ToThread } from '../runner/messages.ts';
import { ArrivalSchedule } from '../workload/arrival-schedule.ts';
import { emptyStats, wirePlan, type ThreadStats, type ToWorker } from './protocol.ts';
import type { RemoteWorker } from './remote-worker.ts';

/** What ClusterArrivals needs from its ClusterThread. */
export interface ClusterArrivalsOptions {
  send: (worker: RemoteWorker, message: ToWorker) => void;
  /** Hands a message to the runner as the cluster thread. */
  emit: (message: FromThread) => void;
  logger: Logger;
  /** Monotonic ms (when a share was sent, and the stop, for the iterations a lost share had due). */
  now: () => number;
}

interface WorkerShare {
  worker: RemoteWorker;
  share: ArrivalShare;
  /** Iterations started or dropped that this worker reported. */
  reported: number;
  done: boolean;
  lost: boolean;
}

interface Scenario {
  name: string;
  schedule: ArrivalSchedule;
  sentAtMs: number;
  shares: WorkerShare[];
  /** Told the runner (done, or the run stopped): nothing more is counted. */
  ended: boolean;
}

const THREAD_ID = 0;

/** Arrival-rate scenarios split over the workers. */
export class ClusterArrivals {
  readonly #o: ClusterArrivalsOptions;
  readonly #scenarios = new Map<string, Scenario>();
  /** Each worker's last figure of users per arrival scenario. */
  readonly #users = new Map<RemoteWorker, Map<string, number>>();

  constructor(options: ClusterArrivalsOptions) {
    this.#o = options;
  }

  /** Splits the cluster thread's share over `live` workers (iteration k on worker k mod W of the stride) and starts it. */
  start(m: Extract<ToThread, { type: 'start-arrival' }>, live: readonly RemoteWorker[]): void {
    const { plan } = m;
    const scenario: Scenario = { name: plan.name, schedule: new ArrivalSchedule(plan.arrival), sentAtMs: this.#o.now(), shares: [], ended: false };
    this.#scenarios.set(plan.name, scenario);
    if (live.length === 0) {
      this.#o.logger.log('warning', `no live worker for arrival-rate scenario ${plan.name}: it starts no iteration`);
      this.#end(scenario, Infinity);
      return;
    }
    const shares = splitShare(m.share, live.length);
    const wire = wirePlan(plan);
    shares.forEach((share, p) => {
      const worker = live[p]!;
      scenario.shares.push({ worker, share, reported: 0, done: false, lost: false });
      this.#o.send(worker, { type: 'start-arrival', plan: wire, share, gracefulStopMs: m.gracefulStopMs });
    });
  }

  /** A worker's answer (snapshot, stopped or bye): counts what its share reported, and notes its users. */
  reported(worker: RemoteWorker, stats: readonly ThreadStats[]): void {
    for (const scenario of this.#scenarios.values()) {
      const mine = scenario.shares.find((s) => s.worker === worker);
      if (!mine) continue;
      let users = 0;
      for (const s of stats.flatMap((a) => a.scenarios ?? []).filter((s) => s.scenario === scenario.name)) {
        mine.reported += s.counters.iterations + s.counters.dropped;
        // One entry per worker thread (a late one may repeat a thread for a second: a transient overcount).
        users += s.users;
      }
      if (stats.length > 0) this.#usersOf(worker).set(scenario.name, users);
    }
  }

  /** The answer with each arrival scenario's users replaced by the cluster's. */
  withClusterUsers<T extends { scenarios?: ScenarioSnapshot[] }>(stats: T): T {
    if (!stats.scenarios || this.#scenarios.size === 0) return stats;
    return { ...stats, scenarios: stats.scenarios.map((s) => (this.#scenarios.has(s.scenario) ? { ...s, users: this.#clusterUsers(s.scenario) } : s)) };
  }

  /** A worker's threads have all finished their part of `scenario`. */
  workerDone(worker: RemoteWorker, scenario: string): void {
    const s = this.#scenarios.get(scenario);
    const mine = s?.shares.find((x) => x.worker === worker);
    if (!s || !mine || mine.done) return;
    mine.done = true;
    this.#endIfDone(s);
  }

  /** A worker is lost: nothing more is awaited from its shares. */
  workerLost(worker: RemoteWorker): void {
    this.#users.delete(worker);
    for (const s of this.#scenarios.values()) {
      const mine = s.shares.find((x) => x.worker === worker);
      if (!mine || mine.lost) continue;
      mine.lost = true;
      if (!s.ended && !mine.done) this.#o.logger.log('warning', `worker ${worker.id} lost during arrival-rate scenario ${s.name}: the iterations of its share it did not report count as dropped`);
      this.#endIfDone(s);
    }
  }

  /** The run stops: lost shares of scenarios still running count their unreported iterations due by now. */
  stopping(): void {
    const now = this.#o.now();
    for (const s of this.#scenarios.values()) if (!s.ended) this.#end(s, now - s.sentAtMs, false);
  }

  #endIfDone(s: Scenario): void {
    if (!s.ended && s.shares.every((x) => x.done || x.lost)) this.#end(s, Infinity);
  }

  /** Ends a scenario: reports the lost shares' unreported iterations as dropped, then (unless stopping) that it is done. */
  #end(s: Scenario, elapsedMs: number, tellDone = true): void {
    s.ended = true;
    let dropped = 0;
    for (const x of s.shares) {
      if (!x.lost) continue;
      const due = iterationsDue(s.schedule, x.share, x.done ? Infinity : elapsedMs);
      if (Number.isFinite(due)) dropped += Math.max(0, due - x.reported);
    }
    if (dropped > 0) {
      this.#o.logger.log('warning', `arrival-rate scenario ${s.name}: ${dropped} iterations of lost workers counted as dropped`);
      const counters = { ...zeroCounters(), dropped };
      const scenario: ScenarioSnapshot = { scenario: s.name, delta: emptyStats().delta, counters, users: this.#clusterUsers(s.name) };
      this.#o.emit({ type: 'snapshot', threadId: THREAD_ID, seq: -1, users: 0, delta: emptyStats().delta, counters: { ...counters, loopLagP99Ms: 0 }, scenarios: [scenario] });
    }
    if (tellDone) this.#o.emit({ type: 'arrival-done', threadId: THREAD_ID, scenario: s.name });
  }

  #usersOf(worker: RemoteWorker): Map<string, number> {
    let m = this.#users.get(worker);
    if (!m) this.#users.set(worker, (m = new Map()));
    return m;
  }

  #clusterUsers(scenario: string): number {
    let n = 0;
    for (const m of this.#users.values()) n += m.get(scenario) ?? 0;
    return n;
  }
}
