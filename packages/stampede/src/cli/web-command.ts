/**
 * `stampede -f FILE` without `--headless`: load the script once, serve the web UI, and let it start, edit and stop
 * tests. On SIGINT/SIGTERM: stop the test, write the reports the flags ask for, exit (4 when a test was cut short).
 * The serving part (serveWebUi) is shared with the master's web UI (master-web.ts), whose tests run on workers.
 */
import { runSetup, runTeardown } from '../user/lifecycle.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../clock.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import type { JsonReport } from '../report/report-types.ts';
import { isHttpUserClass, resolveHost, type UserClass } from '../user/user.ts';
import type { ClassInfo } from '../web/api-types.ts';
import { WebError } from '../web/errors.ts';
import { LogBuffer } from '../web/log-buffer.ts';
import { TestSession, type SessionTest, type TestConfig } from '../web/test-session.ts';
import { isLoopbackHost, parseWebAuth, type WebAuth } from '../web/web-security.ts';
import { startWebUi, type ClusterView } from '../web/web-ui.ts';
import { parseDurationS } from '../workload/duration.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';
import { buildRunReport, createRun, recordTeardownFailure, resetStatsAfterRamps, unreachableTarget, withScript, writeRunReports, type PreparedRun, type PreparedScript } from './prepared-run.ts';
import { EXIT } from './exit-codes.ts';
import type { RunIo } from './run-io.ts';
import { requestVerdict, tallyOf } from './run-verdict.ts';


/** A run made by the UI, with the options it was made from (for its report). */
export type WebPreparedRun = PreparedRun & { runOpts: RunOptions };

/** How the UI's tests get their runs and reports: local user threads here, the workers in master-web.ts. */
export interface WebRunFactory<R extends WebPreparedRun> {
  /** Creates the run of a test of the `classes` picked, whose hosts answer; throws a WebError to refuse. */
  createRun(runOpts: RunOptions, classes: UserClass[], config: TestConfig): Promise<R>;
  /** Releases a stopped run. */
  closeRun(run: R): Promise<void>;
  /** The contract report of a test (`partial`: cut short, or still running). */
  report(test: SessionTest<R>, partial: boolean): JsonReport;
  /** The workers, when the tests run on a cluster. */
  cluster?: ClusterView;
  /** Called once with the session the runs serve (to stop its test on an event of its own). */
  onSession?(session: TestSession<R>): void;
}

/** What a web UI command sets up before its slow start (the script, Redis): credentials, logs and the signal. */
export interface WebUiSetup {
  auth: WebAuth | undefined;
  logs: LogBuffer;
  /** The command's io with its logger also feeding the UI's log view. */
  io: RunIo;
  /** Resolves on the first SIGINT/SIGTERM. */
  signalled: Promise<void>;
}

/** How serving ended: the last test (if any) and whether the signal cut it short. Its reports are written. */
export interface WebUiEnd<R extends WebPreparedRun> {
  test: SessionTest<R> | undefined;
  cutShort: boolean;
  /** --autostart could not start the test: the target was unreachable (exit 3). */
  unreachable?: boolean;
}

/** Refuses an unsafe bind (exit 2) and parses the credentials. */
export function checkWebOptions(opts: RunOptions): WebAuth | undefined {
  let auth: WebAuth | undefined;
  if (opts.webAuth !== undefined) {
    try {
      auth = parseWebAuth(opts.webAuth);
    } catch (error) {
      const e = error as WebError;
      throw new UsageError('STAMPEDE_ERR_CONFIG_WEB_AUTH', e.message, e.hint);
    }
  }
  if (!isLoopbackHost(opts.webHost) && !auth) {
    throw new UsageError(
      'STAMPEDE_ERR_CONFIG_WEB_HOST',
      `--web-host ${opts.webHost} would open the web UI to the network without credentials`,
      'add --web-auth user:pass (or token:TOKEN), or leave --web-host at 127.0.0.1',
    );
  }
  if (opts.arrivalRate !== undefined || opts.stages !== undefined) {
    throw new UsageError('STAMPEDE_ERR_UNSUPPORTED', '--arrival-rate and --stages are not supported in the web UI yet', 'add --headless');
  }
  return auth;
}

/** Checks the options and takes the signal; the log buffer collects from now on (script loading included). */
export function setupWebUi(opts: RunOptions, io: RunIo): WebUiSetup {
  const auth = checkWebOptions(opts);
  const logs = new LogBuffer();
  const signalled = new Promise<void>((resolve) => io.onSignal(resolve));
  return { auth, logs, io: { ...io, logger: logs.tee(io.logger, opts.logLevel) }, signalled };
}

/** Serves the web UI until a signal; resolves the exit code. */
export async function runWithWebUi(opts: RunOptions, io: RunIo): Promise<number> {
  const setup = setupWebUi(opts, io);
  return withScript(opts, setup.io, async (script) => {
    const end = await serveWebUi(opts, setup, script, localRuns(setup.io, script));
    return webExitCode(opts, end, setup.io);
  });
}

/**
 * The exit code of a web UI command: 3 when --autostart found the target unreachable, 4 when the signal cut a test
 * short, else the last test's requests decide as in a headless run (run-verdict.ts); 0 when no test ran.
 */
export function webExitCode(opts: RunOptions, end: WebUiEnd<WebPreparedRun>, io: RunIo): number {
  if (end.unreachable) return EXIT.aborted;
  if (!end.test) return EXIT.ok;
  if (end.cutShort) return EXIT.interrupted;
  const verdict = requestVerdict(tallyOf(end.test.run.aggregate), opts.exitCodeOnError);
  if (verdict.reason) io.logger.log(verdict.code === EXIT.ok ? 'warning' : 'error', verdict.reason);
  return verdict.code;
}

/**
 * Serves the UI for `script` until the signal, then stops the running test, closes the server and writes the
 * reports the flags ask for (`--json`, `--csv`, `--html`, `--junit`) for the last test.
 */
export async function serveWebUi<R extends WebPreparedRun>(opts: RunOptions, setup: WebUiSetup, script: PreparedScript, runs: WebRunFactory<R>): Promise<WebUiEnd<R>> {
  const { io } = setup;
  const session = createSession(opts, script, runs);
  runs.onSession?.(session);
  const reports = {
    json: (t: SessionTest<R>) => runs.report(t, !t.ended),
    html: async (t: SessionTest<R>) => renderHtmlReport(runs.report(t, !t.ended)),
    htmlAvailable: true,
  };
  let server;
  try {
    server = await startWebUi({ host: opts.webHost.replace(/^\[(.*)\]$/, '$1'), port: opts.webPort, auth: setup.auth, session, logs: setup.logs, reports, monitorPid: opts.monitorPid, cluster: runs.cluster });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError('STAMPEDE_ERR_CONFIG_WEB_PORT', `port ${opts.webPort} on ${opts.webHost} is in use`, 'pass another --web-port (0 picks a free one)');
    }
    throw error;
  }
  io.out(`Web UI: ${server.url}  (Ctrl+C to stop)`);
  const quit = opts.autoquitS !== undefined ? quitAfterTest(session, opts.autoquitS, io) : new Promise<void>(() => {});
  if (opts.autostart && !(await autostart(opts, script, session, io))) {
    await server.close();
    return { test: undefined, cutShort: false, unreachable: true };
  }
  await Promise.race([setup.signalled, quit]);
  const cutShort = session.active;
  if (cutShort) io.logger.log('warning', `interrupted: stopping (up to ${opts.stopTimeoutS}s for tasks in flight), writing reports`);
  await session.stop();
  await server.close();
  const test = session.test;
  if (!test) return { test, cutShort };
  const report = runs.report(test, cutShort);
  await writeRunReports(test.run.runOpts, test.run, report, test.ended?.durationS ?? session.elapsedS());
  if (opts.html !== undefined) await writeHtml(opts.html, report);
  return { test, cutShort };
}

/** --autostart: the test of -u/-r/-t/--host over every class, started at once. False when its target is unreachable. */
async function autostart<R extends WebPreparedRun>(opts: RunOptions, script: PreparedScript, session: TestSession<R>, io: RunIo): Promise<boolean> {
  const config: TestConfig = { users: opts.users, spawnRate: opts.spawnRate, host: opts.host, runTimeS: opts.runTimeS, userClasses: script.classes.map((c) => c.name) };
  try {
    await session.start(config);
    return true;
  } catch (error) {
    if ((error as WebError).code !== 'STAMPEDE_ERR_WEB_UNREACHABLE') throw error;
    io.logger.log('error', (error as Error).message);
    return false;
  }
}

/** --autoquit: resolves `seconds` after a test has stopped. */
function quitAfterTest<R extends WebPreparedRun>(session: TestSession<R>, seconds: number, io: RunIo): Promise<void> {
  return new Promise((resolve) => {
    const onState = () => {
      if (session.state !== 'stopped') return;
      session.off('state', onState);
      io.logger.log('info', `test ended: quitting in ${seconds}s (--autoquit)`);
      void systemClock.sleep(seconds * 1000).then(resolve);
    };
    session.on('state', onState);
  });
}

/** The UI's tests on local user threads, fresh for each test; each test is a run: the script's setup and teardown. */
function localRuns(io: RunIo, script: PreparedScript): WebRunFactory<WebPreparedRun> {
  const setupData = new WeakMap<WebPreparedRun, string | undefined>();
  return {
    createRun: async (runOpts, classes, config) => {
      // A throw answers the start request (422) with setup's one-line message; no user starts.
      script.setupData = await runSetup(script.lifecycle, { host: runOpts.host });
      const run = await createRun(runOpts, io, script, config.users, classes);
      run.runner.on('tick', () => run.cpu.sample());
      if (runOpts.resetStats) resetStatsAfterRamps(run, io);
      const webRun = { ...run, runOpts };
      setupData.set(webRun, script.setupData);
      return webRun;
    },
    closeRun: async (run) => {
      await run.runner.close();
      recordTeardownFailure(io, run.aggregate, await runTeardown(script.lifecycle, setupData.get(run)));
    },
    report: (test, partial) => {
      const { run, config } = test;
      return buildRunReport(run.runOpts, run, { ...testEnd(test, partial), users: config.users, spawnRate: config.spawnRate });
    },
  };
}

/** When a test ended (now, for one still running), for its report. */
export function testEnd(test: SessionTest<WebPreparedRun>, partial: boolean): { endedAt: number; durationS: number; partial: boolean } {
  return {
    endedAt: test.ended?.endedAt ?? systemClock.wallNow(),
    durationS: test.ended?.durationS ?? test.run.runner.elapsedS(),
    partial,
  };
}

function createSession<R extends WebPreparedRun>(opts: RunOptions, script: PreparedScript, runs: WebRunFactory<R>): TestSession<R> {
  const classes: ClassInfo[] = script.classes.map((c) => ({ name: c.name, weight: c.weight, fixedCount: c.fixedCount }));
  return new TestSession<R>({
    classes,
    defaults: {
      users: opts.users,
      spawnRate: opts.spawnRate,
      host: opts.host ?? script.hosts[0] ?? '',
      runTime: opts.runTimeS !== undefined ? `${opts.runTimeS}s` : '',
      classes,
    },
    createRun: async (config: TestConfig) => {
      const runOpts: RunOptions = { ...opts, host: config.host, users: config.users, spawnRate: config.spawnRate, runTimeS: config.runTimeS };
      const picked = script.classes.filter((c) => config.userClasses.includes(c.name));
      const hosts = new Set<string>();
      for (const cls of picked) {
        const host = resolveHost(cls, config.host);
        if (isHttpUserClass(cls) && !host) throw new WebError('STAMPEDE_ERR_WEB_INPUT', `no host for ${cls.name}: fill in the host field`);
        if (host) hosts.add(host);
      }
      const unreachable = await unreachableTarget([...hosts]);
      if (unreachable) throw new WebError('STAMPEDE_ERR_WEB_UNREACHABLE', unreachable, 422);
      return runs.createRun(runOpts, picked, config);
    },
    closeRun: (run) => runs.closeRun(run),
    parseRunTimeS: (text) => parseDurationS(text, 'run time'),
    stopTimeoutMs: opts.stopTimeoutS * 1000,
    clock: systemClock,
  });
}

async function writeHtml(file: string, report: JsonReport): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, renderHtmlReport(report), 'utf8');
}
