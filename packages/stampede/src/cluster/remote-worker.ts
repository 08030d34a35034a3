/** The master's record of one worker process, and the view of it the web UI's workers tab shows. */
import type { WorkerRow, WorkerState } from '../web/api-types.ts';

/** Life of a worker as the master sees it. `missing`: silent too long; `left`: said goodbye; `failed`: could not load the script. */
export type RemoteWorkerState = WorkerState;

/** What the master knows of one worker. Mutated only by the master and its ClusterThread. */
export interface RemoteWorker {
  id: string;
  host: string;
  pid: number;
  threads: number;
  state: RemoteWorkerState;
  /** Users the master placed on this worker: user id → class name. */
  users: Map<number, string>;
  /** CPU in percent of the worker's cores, last sample and maximum. */
  cpuPct: number;
  cpuMaxPct: number;
  rssBytes: number;
  /** CPU went over the flag threshold (90 %) at least once: the worker may have limited the load. */
  cpuFlagged: boolean;
  /** Requests in the deltas this worker delivered and the master merged. */
  requests: number;
  /** Master clock (ms) of the last message from this worker. */
  lastSeenMs: number;
  /** Seconds since the run started when it was found missing or left; undefined while it is a member. */
  lostAtS?: number;
}

/** True while a worker may be given users. */
export function isLive(w: RemoteWorker): boolean {
  return w.state === 'ready' || w.state === 'running';
}

/** One row of the workers tab: plain data, safe to serialize (the web API's WorkerRow). */
export type WorkerStateView = WorkerRow;

export function workerView(w: RemoteWorker): WorkerStateView {
  return {
    id: w.id,
    host: w.host,
    pid: w.pid,
    state: w.state,
    users: w.users.size,
    cpuPct: w.cpuPct,
    cpuMaxPct: w.cpuMaxPct,
    cpuFlagged: w.cpuFlagged,
    rssBytes: w.rssBytes,
    requests: w.requests,
    ...(w.lostAtS !== undefined ? { lostAtS: w.lostAtS } : {}),
  };
}
