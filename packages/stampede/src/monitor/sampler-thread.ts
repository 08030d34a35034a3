/**
 * The /proc sampler on its own thread (bundled by monitor.ts and started with `eval`, so it needs no loader): its event loop is not the load's, so a main thread busy with requests, GC or
 * a long callback does not delay the ticks. Slots are kept on the main thread's timeline (performance.timeOrigin
 * differs per thread), one interval apart (cadence.ts); each sample is posted with its time and how late it was taken.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nextDueMs } from './cadence.ts';
import { ProcessTreeProbe } from './process-tree-probe.ts';
import { SystemProbe } from './system-probe.ts';
import type { Probe } from './types.ts';

/** What the main thread passes. */
export interface SamplerThreadData {
  intervalMs: number;
  targetPid?: number;
  /** The main thread's performance.timeOrigin, to share its monotonic timeline. */
  mainTimeOrigin: number;
  /** Start on the main thread's clock, ms. */
  startMs: number;
}

/** Messages to the main thread. */
export type SamplerThreadMessage = { type: 'sample'; atMs: number; lateMs: number; fields: Record<string, unknown> } | { type: 'error'; message: string } | { type: 'stopped' };

const data = workerData as SamplerThreadData;
const mainNow = () => performance.timeOrigin + performance.now() - data.mainTimeOrigin;
const probes: Probe[] = [new SystemProbe(), ...(data.targetPid !== undefined ? [new ProcessTreeProbe(data.targetPid)] : [])];
for (const p of probes) p.read(0);
let lastMs = mainNow();
let due = data.startMs + data.intervalMs;
let timer: NodeJS.Timeout | undefined;

function tick(): void {
  const now = mainNow();
  if (now < due) {
    timer = setTimeout(tick, due - now); // a timer may fire a little early
    return;
  }
  const fields: Record<string, unknown> = {};
  for (const p of probes) {
    try {
      Object.assign(fields, p.read((now - lastMs) / 1000));
    } catch (error) {
      parentPort!.postMessage({ type: 'error', message: (error as Error).message } satisfies SamplerThreadMessage);
    }
  }
  lastMs = now;
  parentPort!.postMessage({ type: 'sample', atMs: now, lateMs: now - due, fields } satisfies SamplerThreadMessage);
  due = nextDueMs(due, data.intervalMs, now);
  timer = setTimeout(tick, due - mainNow());
}

parentPort!.on('message', (m: { type: 'stop' }) => {
  if (m.type !== 'stop') return;
  clearTimeout(timer);
  parentPort!.postMessage({ type: 'stopped' } satisfies SamplerThreadMessage);
  parentPort!.close();
});
timer = setTimeout(tick, due - mainNow());
