/**
 * Redis names of distributed mode. Everything lives under a namespace (`--namespace`, default `stampede`); each
 * run has its own run id under it, so two runs on one Redis never read each other's streams. Only streams and
 * keys are used, never pub/sub, whose channels ignore database numbers.
 *
 * - `NS:master`: the master's lease (JSON `MasterLease`, 5 s TTL, refreshed every second): the run workers join,
 *   and the master's heartbeat. One master per namespace.
 * - `NS:run:ID:bundle`: the script bundle (esbuild output) the workers import.
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
  up: string;
  down(workerId: string): string;
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
  return { bundle: `${prefix}:bundle`, up: `${prefix}:up`, down: (workerId) => `${prefix}:down:${workerId}` };
}
