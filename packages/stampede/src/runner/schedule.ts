/**
 * What every open-model executor counts against its schedule, with one definition of "late" (the JSON report's
 * `iterations`): the raw loops, the arrival-rate scenarios of users, the suite's paced loads.
 */

/**
 * An iteration (a raw request, a user's scenario iteration) that starts more than this after its intended time
 * counts as late, ms. Above timer jitter (−0.2 to +0.35 ms measured) and a user thread's ordinary scheduling.
 */
export const LATE_MS = 5;

/** Open-model counters (report `iterations`): slots started, started late, and due but never started. */
export interface ScheduleCounters {
  started: number;
  late: number;
  dropped: number;
}
