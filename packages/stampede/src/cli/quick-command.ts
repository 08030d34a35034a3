/**
 * `stampede quick URL`: no script, what people reach for autocannon, hey or wrk for. Closed loop over
 * `-c` connections, or `--rate N` requests per second paced evenly with latency also measured from each
 * request's intended send time (coordinated omission corrected). Spread over `--threads` worker threads
 * (connections and rate split between them); plain http runs on the lean HTTP/1.1 path (src/http/lean),
 * https on undici.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Option, type Command } from './commander.ts';
import { systemClock } from '../clock.ts';
import type { Logger, LogLevel } from '../logger.ts';
import { buildJsonReport, writeJsonReport } from '../report/json-report.ts';
import { Aggregate } from '../stats/aggregate.ts';
import type { StatsDelta } from '../stats/types.ts';
import { warmStatsPath } from '../stats/warm-up.ts';
import { finalTables, liveLine } from './console-output.ts';
import { parseDurationS } from '../workload/duration.ts';
import { UsageError } from './errors.ts';
import { consoleOut } from './console-out.ts';
import { checkUrl, exitCodeArg, positiveInt, positiveNumber } from './options.ts';
import { checkReachable } from './preflight.ts';
import type { QuickTimeouts } from '../runner/raw/raw-thread.ts';
import { QuickThreads } from '../runner/raw/raw-threads.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';
import { DEFAULT_EXIT_CODE_ON_ERROR, requestVerdict, tallyOf } from './run-verdict.ts';
import { VERSION } from './version.ts';

/** Options of a raw-mode run. */
export interface QuickOptions {
  url: URL;
  connections: number;
  durationS: number;
  /** Requests per second over all threads (open model); absent: closed loop. */
  rate?: number;
  method: string;
  body?: Uint8Array;
  headers: Record<string, string>;
  json?: string;
  /** Threads (default os.availableParallelism(), at most one per connection). */
  threads: number;
  timeouts: QuickTimeouts;
  /**
   * Open model over plain http: keep V8's optimizing compiler off while the run is measured, and turn it back on
   * after (see runQuick). The quick CLI sets it; an embedder's process keeps its compiler unless it asks.
   */
  quietCompiler?: boolean;
  /** Exit code when any request failed (Locust's --exit-code-on-error; default 1, 0 ignores failures). */
  exitCodeOnError?: number;
  /** https: accept any certificate (test environments with self-signed ones). */
  insecure?: boolean;
  /** https: offer only HTTP/1.1 by ALPN (by default HTTP/2 is used when the server offers it). */
  http1?: boolean;
}

function parseHeader(line: string, into: Record<string, string>): Record<string, string> {
  const i = line.indexOf(':');
  if (i <= 0) throw new UsageError('STAMPEDE_ERR_CONFIG_HEADER', `invalid header '${line}'`, 'write it as -H "name: value"');
  into[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  return into;
}

function timeoutsOf(raw: string | undefined): QuickTimeouts {
  const ms = raw === undefined ? 30_000 : parseDurationS(raw, '--timeout') * 1000;
  return { connectTimeoutMs: Math.min(ms, 10_000), headersTimeoutMs: ms, bodyTimeoutMs: ms };
}

/** Adds `quick` to the program. */
export function addQuickCommand(
  program: Command,
  deps: { signalHook: () => RunIo['onSignal']; consoleLogger: (l: LogLevel) => Logger },
): void {
  // The scripted run's options live on the program (-H is --host there, --json too): without positional
  // options commander would hand `quick -H ... --json ...` to the program instead of to quick.
  program.enablePositionalOptions();
  program
    .command('quick <url>')
    .description('hit one URL as hard as -c connections allow, or at --rate requests per second')
    .option('-c, --connections <n>', 'concurrent connections (default 50)', positiveInt('--connections'))
    .option('-d, --duration <duration>', 'how long: 10s, 1m (default 10s)')
    .option('--rate <n>', 'requests per second, paced evenly (open model)', positiveNumber('--rate'))
    .option('-m, --method <method>', 'HTTP method (default GET)')
    .option('--body <file>', 'request body from FILE')
    .option('-H, --header <header>', 'request header "name: value" (repeatable)', parseHeader, {} as Record<string, string>)
    .option('--json <file>', 'write the JSON report to FILE (- for stdout: then the tables go to stderr)')
    .addOption(new Option('--exit-code-on-error <n>', 'exit code when any request failed (default 1; 0 ignores failures)').env('STAMPEDE_EXIT_CODE_ON_ERROR').argParser(exitCodeArg('--exit-code-on-error')))
    .addOption(new Option('--threads <n>', 'generator threads (default: available cores)').env('STAMPEDE_THREADS').argParser(positiveInt('--threads')))
    .addOption(new Option('--timeout <duration>', 'per-request limit for the head and for each body gap (default 30s)').env('STAMPEDE_TIMEOUT'))
    .addOption(new Option('--insecure', 'https: skip certificate checks (self-signed test environments)').env('STAMPEDE_INSECURE'))
    .addOption(new Option('--http1', 'https: speak HTTP/1.1 even when the server offers HTTP/2').env('STAMPEDE_HTTP1'))
    .action(async (url: string, raw: Record<string, any>) => {
      let body: Uint8Array | undefined;
      if (raw.body) {
        try {
          body = readFileSync(raw.body);
        } catch (e) {
          throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', `cannot read --body ${raw.body}: ${(e as Error).message}`);
        }
      }
      const target = checkUrl(url, 'URL');
      if (raw.insecure && target.protocol !== 'https:') {
        throw new UsageError('STAMPEDE_ERR_CONFIG_INSECURE', '--insecure applies to https:// targets only', `${url} has no certificate to check`);
      }
      const opts: QuickOptions = {
        url: target,
        connections: raw.connections ?? 50,
        durationS: parseDurationS(raw.duration ?? '10s', '--duration'),
        rate: raw.rate,
        method: String(raw.method ?? 'GET').toUpperCase(),
        body,
        headers: raw.header ?? {},
        json: raw.json,
        threads: raw.threads ?? os.availableParallelism(),
        timeouts: timeoutsOf(raw.timeout),
        quietCompiler: true,
        exitCodeOnError: raw.exitCodeOnError,
        insecure: Boolean(raw.insecure),
        http1: Boolean(raw.http1),
      };
      // V8's memory reducer takes a generator sending at a modest rate for an idle process and, 8 s after the last
      // mark-compact, runs two or three incremental ones to shrink the heap: 1–8 ms pauses inside every 10 s run at
      // 200 req/s, each a cluster in the latency tail (issue 11 goal 4; --trace-gc: "Mark-Compact (reduce)" at 8.3
      // and 8.9 s). Its flag only counts at start-up, but it needs incremental marking, which can be turned off now.
      // This generator's heap is a few MB (nothing is allocated per request), so a major GC, if one comes at all, is a
      // single short pause instead.
      setFlagsFromString('--no-incremental-marking');
      const io: RunIo = { logger: deps.consoleLogger('info'), out: consoleOut(opts.json), onSignal: deps.signalHook() };
      process.exitCode = await runQuick(opts, io);
    });
}

/** How long in-flight requests may take to finish after the end (or a signal) before they are interrupted, ms. */
const STOP_GRACE_MS = 5_000;

function mergeAll(aggregate: Aggregate, deltas: StatsDelta[]): void {
  for (const d of deltas) aggregate.merge(d);
}

/**
 * Runs the raw-mode test over `opts.threads` threads (plain http on the lean path, https on undici).
 * Resolves the exit code.
 */
export async function runQuick(opts: QuickOptions, io: RunIo): Promise<number> {
  const reason = await checkReachable(opts.url);
  if (reason) {
    io.logger.log('error', `target unreachable: ${reason}`);
    return EXIT.aborted;
  }
  const clock = systemClock;
  // The live line too: it reads the aggregate's percentiles every two seconds.
  const warm = warmStatsPath();
  liveLine(warm, 1, opts.connections);
  const aggregate = new Aggregate();
  const headers = Object.entries(opts.headers).flat();
  const threads = new QuickThreads(
    { url: opts.url.href, method: opts.method, headers, body: opts.body, rate: opts.rate, timeouts: opts.timeouts, maxNames: 2_000, insecure: opts.insecure, http1: opts.http1 },
    opts.connections,
    opts.threads,
    (m) => io.logger.log('warning', m),
  );
  try {
    await threads.waitReady();
  } catch (error) {
    await threads.terminate();
    throw new UsageError('STAMPEDE_ERR_QUICK_THREAD', (error as Error).message);
  }
  let interrupted = false;
  let stopping = false;
  // Epoch ms shared by every thread; a short lead so that all of them start together.
  const startEpochMs = performance.timeOrigin + performance.now() + 20;
  const startMs = startEpochMs - performance.timeOrigin;
  const endEpochMs = startEpochMs + opts.durationS * 1000;
  const startedAt = clock.wallNow() + 20;
  const finished = threads.finished();
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    threads.stop();
    setTimeout(() => threads.interrupt(), STOP_GRACE_MS).unref();
  };
  io.onSignal(() => {
    interrupted = true;
    stopAll();
  });
  // Paced, what was left in our latency tail beyond the wire's was V8's optimizing compiler: the warm-up optimizes
  // the send / parse / record path, but the timer and pacer path gets hot only at the run's own pace, and ~25
  // TurboFan jobs (0.5–9 ms each) then ran on the generator's core during a 10 s run at 200 req/s. A response that
  // arrived during one waited for it (perf sched: the main thread runnable for up to 3.6 ms behind a compiler thread;
  // SCHED_IDLE or nice 19 on those threads did not get it the core sooner). With the compiler off, code that is
  // not optimized yet stays in the baseline tier, which costs nothing visible at paced rates (60k req/s paced held
  // its rate) but a quarter of the closed loop's throughput, so the closed model keeps it. Issue 11, goal 4.
  const quiet = opts.quietCompiler === true && opts.rate !== undefined && opts.url.protocol === 'http:';
  if (quiet) setFlagsFromString('--no-turbofan');
  try {
    threads.start(startEpochMs, endEpochMs);

    let running = true;
    void finished.then(() => (running = false));
    // Paced, a slot falls on every second boundary: the snapshot (and the live line) run half a slot later, in the
    // gap between two requests, not while one is being sent.
    const snapshotOffsetMs = opts.rate ? Math.min(500, 500 / opts.rate) : 0;
    for (let second = 1; running; second++) {
      const wait = startMs + second * 1000 + snapshotOffsetMs - clock.now();
      await Promise.race([clock.sleep(wait), finished]);
      if (!running) break;
      mergeAll(aggregate, await threads.snapshot());
      aggregate.tick(second, opts.connections);
      if (second % 2 === 0) io.out(liveLine(aggregate, second, opts.connections));
      if (clock.now() >= startMs + opts.durationS * 1000) stopAll();
    }
    mergeAll(aggregate, await finished);
    mergeAll(aggregate, await threads.snapshot());
    await threads.terminate();
  } finally {
    if (quiet) setFlagsFromString('--turbofan');
  }
  const schedule = opts.rate ? threads.schedule : undefined;
  if (schedule !== undefined && (schedule.dropped > 0 || schedule.late > 0)) {
    io.logger.log(
      'warning',
      `--rate ${opts.rate}: ${schedule.late} requests sent late, ${schedule.dropped} never sent (all ${opts.connections} connections busy): raise -c`,
    );
  }
  const durationS = Math.min(clock.now() - startMs, opts.durationS * 1000) / 1000;
  aggregate.tick(durationS, 0);
  io.out('');
  io.out(finalTables(aggregate, durationS));
  if (opts.json) {
    const report = buildJsonReport({
      aggregate,
      version: VERSION,
      startedAt,
      endedAt: clock.wallNow(),
      durationS,
      partial: interrupted,
      ...(schedule !== undefined ? { iterations: { ...schedule } } : {}),
      config: {
        host: `${opts.url.protocol}//${opts.url.host}`,
        users: opts.connections,
        spawn_rate: null,
        run_time_s: opts.durationS,
        user_classes: [],
        model: opts.rate ? 'open' : 'closed',
      },
    });
    await writeJsonReport(report, opts.json);
  }
  if (interrupted) return EXIT.interrupted;
  const verdict = requestVerdict(tallyOf(aggregate), opts.exitCodeOnError ?? DEFAULT_EXIT_CODE_ON_ERROR);
  if (verdict.reason) io.logger.log(verdict.code === EXIT.ok ? 'warning' : 'error', verdict.reason);
  return verdict.code;
}
