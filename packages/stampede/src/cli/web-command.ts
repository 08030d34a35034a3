/**
 * `stampede -f FILE` without `--headless`: load the script once, serve the web UI, and let it start, edit and stop
 * tests. On SIGINT/SIGTERM: stop the test, write the reports the flags ask for, exit (4 when a test was cut short).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../clock.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import type { JsonReport } from '../report/report-types.ts';
import { isHttpUserClass, resolveHost } from '../user/user.ts';
import type { ClassInfo } from '../web/api-types.ts';
import { WebError } from '../web/errors.ts';
import { LogBuffer } from '../web/log-buffer.ts';
import { TestSession, type SessionTest, type TestConfig } from '../web/test-session.ts';
import { isLoopbackHost, parseWebAuth, type WebAuth } from '../web/web-security.ts';
import { startWebUi } from '../web/web-ui.ts';
import { parseDurationS } from './duration.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';
import { buildRunReport, createRun, prepareScript, unreachableTarget, writeRunReports, type PreparedRun, type PreparedScript } from './prepared-run.ts';
import type { RunIo } from './run-command.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_INTERRUPTED = 4;

/** A run made by the UI, with the options it was made from (for its report). */
type WebPreparedRun = PreparedRun & { runOpts: RunOptions };

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

/** Serves the web UI until a signal; resolves the exit code. */
export async function runWithWebUi(opts: RunOptions, io: RunIo): Promise<number> {
  const auth = checkWebOptions(opts);
  const logs = new LogBuffer();
  const runIo: RunIo = { ...io, logger: logs.tee(io.logger, opts.logLevel) };
  const signalled = new Promise<void>((resolve) => io.onSignal(resolve));
  const script = await prepareScript(opts, runIo);
  try {
    const session = createSession(opts, runIo, script);
    const reports = {
      json: (t: SessionTest<WebPreparedRun>) => testReport(t),
      html: async (t: SessionTest<WebPreparedRun>) => renderHtmlReport(testReport(t)),
      htmlAvailable: true,
    };
    let server;
    try {
      server = await startWebUi({ host: opts.webHost.replace(/^\[(.*)\]$/, '$1'), port: opts.webPort, auth, session, logs, reports, monitorPid: opts.monitorPid });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new UsageError('STAMPEDE_ERR_CONFIG_WEB_PORT', `port ${opts.webPort} on ${opts.webHost} is in use`, 'pass another --web-port (0 picks a free one)');
      }
      throw error;
    }
    io.out(`Web UI: ${server.url}  (Ctrl+C to stop)`);
    await signalled;
    const cutShort = session.active;
    if (cutShort) io.logger.log('warning', `interrupted: stopping (up to ${opts.stopTimeoutS}s for tasks in flight), writing reports`);
    await session.stop();
    await server.close();
    const test = session.test;
    if (!test) return EXIT_OK;
    const report = testReport(test, cutShort);
    await writeRunReports(test.run.runOpts, test.run, report, test.ended?.durationS ?? session.elapsedS());
    if (opts.html !== undefined) await writeHtml(opts.html, report);
    if (cutShort) return EXIT_INTERRUPTED;
    return opts.failOnError && test.run.aggregate.totals().failures > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    script.dispose();
  }
}

function createSession(opts: RunOptions, io: RunIo, script: PreparedScript): TestSession<WebPreparedRun> {
  const classes: ClassInfo[] = script.classes.map((c) => ({ name: c.name, weight: c.weight, fixedCount: c.fixedCount }));
  return new TestSession<WebPreparedRun>({
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
      const run = await createRun(runOpts, io, script, config.users, picked);
      run.runner.on('tick', () => run.cpu.sample());
      return { ...run, runOpts };
    },
    closeRun: (run) => run.runner.close(),
    parseRunTimeS: (text) => parseDurationS(text, 'run time'),
    stopTimeoutMs: opts.stopTimeoutS * 1000,
    clock: systemClock,
  });
}

/** The contract report of a test; a test still running is reported as partial, up to now. */
function testReport(test: SessionTest<WebPreparedRun>, partial = !test.ended): JsonReport {
  const { run, config } = test;
  return buildRunReport(run.runOpts, run, {
    endedAt: test.ended?.endedAt ?? systemClock.wallNow(),
    durationS: test.ended?.durationS ?? run.runner.elapsedS(),
    partial,
    users: config.users,
    spawnRate: config.spawnRate,
  });
}

async function writeHtml(file: string, report: JsonReport): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, renderHtmlReport(report), 'utf8');
}
