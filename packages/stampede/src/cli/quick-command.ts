/**
 * `stampede quick URL`: no script, what people reach for autocannon, hey or wrk for. Closed loop over
 * `-c` connections, or `--rate N` requests per second paced evenly with latency also measured from each
 * request's intended send time (coordinated omission corrected).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock } from '../clock.ts';
import type { Logger, LogLevel } from '../logger.ts';
import { createDispatcher } from '../http/dispatcher.ts';
import { createHttpSession } from '../http/session.ts';
import { buildJsonReport, writeJsonReport } from '../report/json-report.ts';
import { Aggregate } from '../stats/aggregate.ts';
import { StatsSet } from '../stats/stats-set.ts';
import type { RecordedError } from '../stats/recorder.ts';
import { finalTables, liveLine } from './console-output.ts';
import { parseDurationS } from './duration.ts';
import { UsageError } from './errors.ts';
import { checkUrl, positiveInt, positiveNumber } from './options.ts';
import { checkReachable } from './preflight.ts';
import { EXIT, type RunIo } from './run-command.ts';
import { VERSION } from './version.ts';

export interface QuickOptions {
  url: URL;
  connections: number;
  durationS: number;
  rate?: number;
  method: string;
  body?: Uint8Array;
  headers: Record<string, string>;
  json?: string;
}

function parseHeader(line: string, into: Record<string, string>): Record<string, string> {
  const i = line.indexOf(':');
  if (i <= 0) throw new UsageError('STAMPEDE_ERR_CONFIG_HEADER', `invalid header '${line}'`, 'write it as -H "name: value"');
  into[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  return into;
}

export function addQuickCommand(
  program: Command,
  deps: { signalHook: () => RunIo['onSignal']; consoleLogger: (l: LogLevel) => Logger },
): void {
  program
    .command('quick <url>')
    .description('hit one URL as hard as -c connections allow, or at --rate requests per second')
    .option('-c, --connections <n>', 'concurrent connections (default 50)', positiveInt('--connections'))
    .option('-d, --duration <duration>', 'how long: 10s, 1m (default 10s)')
    .option('--rate <n>', 'requests per second, paced evenly (open model)', positiveNumber('--rate'))
    .option('-m, --method <method>', 'HTTP method (default GET)')
    .option('--body <file>', 'request body from FILE')
    .option('-H, --header <header>', 'request header "name: value" (repeatable)', parseHeader, {} as Record<string, string>)
    .option('--json <file>', 'write the JSON report to FILE (- for stdout)')
    .action(async (url: string, raw: Record<string, any>) => {
      let body: Uint8Array | undefined;
      if (raw.body) {
        try {
          body = readFileSync(raw.body);
        } catch (e) {
          throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', `cannot read --body ${raw.body}: ${(e as Error).message}`);
        }
      }
      const opts: QuickOptions = {
        url: checkUrl(url, 'URL'),
        connections: raw.connections ?? 50,
        durationS: parseDurationS(raw.duration ?? '10s', '--duration'),
        rate: raw.rate,
        method: String(raw.method ?? 'GET').toUpperCase(),
        body,
        headers: raw.header ?? {},
        json: raw.json,
      };
      const io: RunIo = { logger: deps.consoleLogger('info'), out: (l) => process.stdout.write(`${l}\n`), onSignal: deps.signalHook() };
      process.exitCode = await runQuick(opts, io);
    });
}

/** Runs the raw-mode test. Resolves the exit code. */
export async function runQuick(opts: QuickOptions, io: RunIo): Promise<number> {
  const reason = await checkReachable(opts.url);
  if (reason) {
    io.logger.log('error', `target unreachable: ${reason}`);
    return EXIT.aborted;
  }
  const clock = systemClock;
  const stats = new StatsSet({ onWarning: (m) => io.logger.log('warning', m) });
  const aggregate = new Aggregate();
  const dispatcher = createDispatcher({ connectionsPerOrigin: opts.connections });
  const base = `${opts.url.protocol}//${opts.url.host}`;
  const path = `${opts.url.pathname}${opts.url.search}`;
  const name = opts.url.pathname;
  const stop = new AbortController();
  let interrupted = false;
  io.onSignal(() => {
    interrupted = true;
    stop.abort();
  });

  const startMs = clock.now();
  const startedAt = clock.wallNow();
  const endMs = startMs + opts.durationS * 1000;
  let nextSlot = 0;
  const intervalMs = opts.rate ? 1000 / opts.rate : 0;
  // Open model: the recorder sees the corrected latency too, measured from the slot's intended time.
  let intendedMs = 0;
  const recorder = opts.rate
    ? {
        record: (m: string, n: string, us: number, bytes: number, error?: RecordedError) =>
          stats.record(m, n, us, bytes, error, Math.round((clock.now() - intendedMs) * 1000)),
        recordException: (e: unknown) => stats.recordException(e),
        recordCheck: (n: string, p: boolean) => stats.recordCheck(n, p),
      }
    : stats;

  const loop = async () => {
    const session = createHttpSession({ baseUrl: base, recorder: stats, dispatcher, followRedirects: false } as any);
    Object.assign(session.defaultHeaders, opts.headers);
    const pacedSession = opts.rate ? createHttpSession({ baseUrl: base, recorder, dispatcher } as any) : session;
    Object.assign(pacedSession.defaultHeaders, opts.headers);
    while (!stop.signal.aborted) {
      if (opts.rate) {
        const slotMs = startMs + nextSlot++ * intervalMs;
        if (slotMs >= endMs) break;
        const wait = slotMs - clock.now();
        if (wait > 0) await clock.sleep(wait, stop.signal);
        if (stop.signal.aborted) break;
        intendedMs = slotMs;
        await pacedSession.request(opts.method, path, { name, body: opts.body });
      } else {
        if (clock.now() >= endMs) break;
        await session.request(opts.method, path, { name, body: opts.body });
      }
    }
  };

  const ticker = (async () => {
    for (let second = 1; !stop.signal.aborted; second++) {
      await clock.sleep(startMs + second * 1000 - clock.now(), stop.signal);
      if (stop.signal.aborted || clock.now() > endMs + 50) break;
      aggregate.merge(stats.snapshot());
      aggregate.tick(second, opts.connections);
      if (second % 2 === 0) io.out(liveLine(aggregate, second, opts.connections));
    }
  })();
  const loops = Array.from({ length: opts.connections }, loop);
  const timer = setTimeout(() => stop.abort(), opts.durationS * 1000 + 100);
  await Promise.all(loops);
  stop.abort();
  clearTimeout(timer);
  await ticker;
  await dispatcher.destroy();
  const durationS = (clock.now() - startMs) / 1000;
  aggregate.merge(stats.snapshot());
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
      config: { host: base, users: opts.connections, spawn_rate: null, run_time_s: opts.durationS, user_classes: [], model: opts.rate ? 'open' : 'closed' },
    });
    await writeJsonReport(report, opts.json);
  }
  return interrupted ? EXIT.interrupted : EXIT.ok;
}
