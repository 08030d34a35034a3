/**
 * Redis names of distributed mode. Everything lives under a namespace (`--namespace`, default `stampede`); each
 * run has its own run id under it, so two runs on one Redis never read each other's streams. Only streams and
 * keys are used, never pub/sub, whose channels ignore database numbers.
 *
 * - `NS:master`: the master's lease (JSON `MasterLease`, 5 s TTL, refreshed every second): the run workers join,
 *   and the master's heartbeat. One master per namespace.
 * - `NS:run:ID:bundle`: the script bundle (esbuild output) the workers import.
 * - `NS:run:ID:beat`: the master's heartbeat, a counter it increments every 500 ms; a worker that sees it unchanged
 *   for `--master-timeout` (Redis reachable) stops its users (issue #19).
 * - `NS:run:ID:up`: stream, every worker → master (register, ready, heartbeat, snapshot, stopped, ...).
 * - `NS:run:ID:down:WORKER`: stream, master → one worker (init, reset, spawn, stop-users, snapshot, stop, quit).
 */

/** Value of the `NS:master` key. */
export interface MasterLease {
  runId: string;
  host: string;
  pid: number;
  /** Epoch ms when the master started. */
  startedAt: number;
}

/** Keys of one namespace. */
export interface NamespaceKeys {
  master: string;
}

/** Keys of one run. */
export interface RunKeys {
  bundle: string;
  beat: string;
  up: string;
  down(workerId: string): string;
}

const RUN_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The lease read from Redis, or undefined when the value is not one (malformed data is ignored, never a crash:
 * issue #19). Only the fields a worker uses are checked.
 */
export function parseLease(raw: string | null): MasterLease | undefined {
  if (raw === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const lease = value as Partial<MasterLease>;
  if (typeof lease.runId !== 'string' || !RUN_ID.test(lease.runId)) return undefined;
  return { runId: lease.runId, host: String(lease.host ?? '?'), pid: Number(lease.pid ?? 0), startedAt: Number(lease.startedAt ?? 0) };
}

const NAMESPACE = /^[A-Za-z0-9_.:-]{1,100}$/;

/** True when `name` is a valid namespace (letters, digits, `_ . : -`, at most 100). */
export function isValidNamespace(name: string): boolean {
  return NAMESPACE.test(name);
}

export function namespaceKeys(namespace: string): NamespaceKeys {
  return { master: `${namespace}:master` };
}

export function runKeys(namespace: string, runId: string): RunKeys {
  const prefix = `${namespace}:run:${runId}`;
  return { bundle: `${prefix}:bundle`, beat: `${prefix}:beat`, up: `${prefix}:up`, down: (workerId) => `${prefix}:down:${workerId}` };
}
