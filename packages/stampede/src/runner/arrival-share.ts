/**
 * Splitting an arrival-rate scenario's share, the one rule the local runner (over its threads), the cluster thread
 * (over its workers) and each worker (over its own threads) apply in turn. A share holds the iterations k with
 * k mod count = index; part p of P takes k mod (count × P) = index + p × count, so splitting a split is a split of
 * the whole and every scheduled iteration lands on exactly one executor, at the time the schedule gives it (the
 * executor walks its stride from the absolute schedule: no drift, whatever the depth).
 * Users follow the same stride: the share's j-th user is part (j mod P)'s (j div P)-th, so ids and classes are
 * those a single thread would have given them. Users and queue room are split evenly by largest remainder.
 */
import { largestRemainder } from '../user/distribute.ts';
import type { ArrivalSchedule } from '../workload/arrival-schedule.ts';
import type { ArrivalShare } from './messages.ts';

// The schedule's own float slack (arrival-schedule.ts): iteration k exists while k + EPS < totalCount.
const EPS = 1e-9;

/** The whole of a scenario as one share: every iteration, every user (ids from userIdBase). */
export function wholeShare(counts: Pick<ArrivalShare, 'preAllocatedUsers' | 'maxUsers' | 'maxQueued'>, classOrder: string[], userIdBase: number): ArrivalShare {
  return { index: 0, count: 1, ...counts, classOrder, userIdBase };
}

/**
 * Splits `share` into at most `parts` shares (never more than its maxUsers, so each part has a user to run).
 * Returns at least one share.
 */
export function splitShare(share: ArrivalShare, parts: number): ArrivalShare[] {
  const n = Math.max(1, Math.min(parts, share.maxUsers));
  const even = (total: number) => largestRemainder(Array.from({ length: n }, () => 1), total);
  const [pre, max, queue] = [even(share.preAllocatedUsers), even(share.maxUsers), even(share.maxQueued)];
  const order = share.classOrder;
  return Array.from({ length: n }, (_, p) => ({
    index: share.index + p * share.count,
    count: share.count * n,
    preAllocatedUsers: pre[p]!,
    maxUsers: max[p]!,
    maxQueued: queue[p]!,
    classOrder: Array.from({ length: Math.max(1, max[p]!) }, (_, j) => order[(p + j * n) % order.length]!),
    userIdBase: share.userIdBase,
  }));
}

/**
 * Iterations of `share` due within `elapsedMs` of its start (Infinity: the whole schedule, which must then be
 * finite). An iteration is due once its time has come: timeOf(k) ≤ elapsedMs.
 */
export function iterationsDue(schedule: ArrivalSchedule, share: Pick<ArrivalShare, 'index' | 'count'>, elapsedMs: number): number {
  const lastByTotal = Math.ceil(schedule.totalCount - EPS) - 1;
  const lastByTime = elapsedMs === Infinity ? Infinity : Math.floor(schedule.countAt(Math.max(0, elapsedMs)) + EPS);
  const last = Math.min(lastByTotal, lastByTime);
  if (!Number.isFinite(last)) return Infinity;
  return last < share.index ? 0 : Math.floor((last - share.index) / share.count) + 1;
}
