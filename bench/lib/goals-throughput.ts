/**
 * Goals 1 and 2 of issue 11: requests/s per generator core against the same target in the same run.
 * Tools are interleaved round by round (A B C A B C …) so that noise from a shared machine spreads over all.
 */
import { which } from './proc.ts';
import { ratioFigure, type Figure } from './figures.ts';
import { autocannon, leanScripted, locust, stampedeQuick, stampedeScript, wrk, type GenContext, type Measured } from './generators.ts';

/** Settings shared by the goals. */
export interface BenchSettings {
  runs: number;
  seconds: number;
  connections: number;
  log: (line: string) => void;
}

/** Run `fn` and keep its rps; a failure is logged and leaves the run out (never a made-up figure). */
async function sample(label: string, s: BenchSettings, runs: number[], fn: () => Promise<Measured>): Promise<void> {
  try {
    const m = await fn();
    if (m.failures > 0) throw new Error(`${m.failures} failed requests`);
    runs.push(m.rps);
    s.log(`  ${label.padEnd(26)} ${Math.round(m.rps).toLocaleString('en-US').padStart(9)} req/s`);
  } catch (error) {
    s.log(`  ${label.padEnd(26)} failed: ${(error as Error).message}`);
  }
}

/** The autocannon runs of goal 1, reused as goal 2's peer (same target, same connections, same run). */
export interface ThroughputResult {
  figures: Figure[];
  autocannonRuns: number[];
}

/** Goal 1: `stampede quick` vs autocannon (goal ≥ 1.3×) and vs wrk (reference), `connections` each. */
export async function goal1(ctx: GenContext, url: string, targetName: string, s: BenchSettings): Promise<ThroughputResult> {
  const hasWrk = which('wrk') !== undefined;
  const quick: number[] = [];
  const ac: number[] = [];
  const wr: number[] = [];
  const o = { connections: s.connections, seconds: s.seconds };
  for (let round = 1; round <= s.runs; round++) {
    s.log(`goal 1, round ${round}/${s.runs} (${targetName}, ${s.connections} connections, ${s.seconds} s)`);
    await sample('stampede quick', s, quick, () => stampedeQuick(ctx, url, o));
    await sample('autocannon', s, ac, () => autocannon(ctx, url, o));
    if (hasWrk) await sample('wrk', s, wr, () => wrk(ctx, url, o));
  }
  const unit = 'req/s per core';
  const note = `target: ${targetName}; generator pinned to one core, target to the other; ${s.connections} connections, no pipelining`;
  return {
    autocannonRuns: ac,
    figures: [
      ratioFigure({ name: 'goal 1: stampede quick vs autocannon', unit, runs: quick, peer: 'autocannon 9', peerRuns: ac, atLeast: 1.3, note }),
      ratioFigure({
        name: 'goal 1: stampede quick vs wrk',
        unit,
        runs: quick,
        peer: 'wrk 4.1',
        peerRuns: hasWrk ? wr : null,
        atLeast: null,
        skipped: 'wrk not installed (apt-get install -y wrk)',
        note,
      }),
    ],
  };
}

/** Goal 2: the one-task HttpUser script vs autocannon (goal ≥ 0.8×), and vs Locust FastHttpUser (≈5×). */
export async function goal2(ctx: GenContext, url: string, s: BenchSettings, autocannonRuns: number[]): Promise<Figure[]> {
  const locustBin = which('locust');
  const cli: number[] = [];
  const lean: number[] = [];
  const fast: number[] = [];
  const users = s.connections;
  for (let round = 1; round <= s.runs; round++) {
    s.log(`goal 2, round ${round}/${s.runs} (${users} users, one task, no wait)`);
    await sample('stampede -f (runner)', s, cli, () =>
      stampedeScript(ctx, 'bench/scripts/one-task-user.ts', url, { users, spawnRate: 10_000, seconds: s.seconds }),
    );
    await sample('HttpUser on lean session', s, lean, () => leanScripted(ctx, url, { users, seconds: s.seconds }));
    if (locustBin !== undefined) {
      await sample('locust FastHttpUser', s, fast, () =>
        locust(ctx, locustBin, 'bench/scripts/locust_fast.py', url, { users, spawnRate: users, seconds: s.seconds }),
      );
    }
  }
  const unit = 'req/s per core';
  const noLocust = 'Locust not installed (apt-get install -y python3-locust)';
  return [
    ratioFigure({
      name: 'goal 2: HttpUser script (stampede -f) vs autocannon',
      unit,
      runs: cli,
      peer: 'autocannon 9',
      peerRuns: autocannonRuns,
      atLeast: 0.8,
      note: 'the runner as committed (src/runner/user-host.ts creates an undici dispatcher)',
    }),
    ratioFigure({
      name: 'goal 2: HttpUser on the lean session vs autocannon',
      unit,
      runs: lean,
      peer: 'autocannon 9',
      peerRuns: autocannonRuns,
      atLeast: 0.8,
      note: 'bench/lib/scripted-lean.ts: runUser + createLeanDispatcher(), i.e. the runner after the proposed one-line change',
    }),
    ratioFigure({
      name: 'goal 2: HttpUser script (stampede -f) vs Locust FastHttpUser',
      unit,
      runs: cli,
      peer: 'Locust 2.12 FastHttpUser',
      peerRuns: locustBin ? fast : null,
      atLeast: null,
      skipped: noLocust,
      note: 'the issue expects ≈5×',
    }),
  ];
}
