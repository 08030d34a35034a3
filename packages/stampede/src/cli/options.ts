/**
 * The command line (documented in docs/cli.md). Every flag also reads an environment variable,
 * shown in --help. Values are validated here, once, into typed options; a bad value is a UsageError (exit 2).
 */
import { Command, Option } from './commander.ts';
import os from 'node:os';
import { LOG_LEVELS, type LogLevel } from '../logger.ts';
import type { Thresholds } from '../thresholds/threshold-types.ts';
import type { Scenarios } from '../workload/scenarios.ts';
import type { Stage } from '../workload/stages.ts';
import { parseDurationS } from '../workload/duration.ts';
import { DEFAULT_ABORT_AFTER_FAILURES_S } from './failure-window.ts';
import { UsageError } from './errors.ts';
import { addLocustFlags, refuseLocustFlags } from './locust-flags.ts';
import { DEFAULT_EXIT_CODE_ON_ERROR } from './run-verdict.ts';

/** Options of a scripted run (`stampede -f FILE ...`). */
export interface RunOptions {
  /** The user script(s) as given: one file, a comma list (repeated -f joined), or a directory (user-files.ts). */
  file: string;
  host?: string;
  users: number;
  spawnRate: number;
  runTimeS?: number;
  headless: boolean;
  onlySummary: boolean;
  json?: string;
  csv?: string;
  html?: string;
  junit?: string;
  tags?: string[];
  excludeTags?: string[];
  /** Open model: iterations per second of the selected classes (one task per iteration). */
  arrivalRate?: number;
  /** Closed model ramp: `"30s:10,1m:100"` from the command line, or a list from the config file. */
  stages?: string | Stage[];
  stopTimeoutS: number;
  /** Stop the run (exit 3) after this many seconds of nothing but failures; 0 never (default 30). */
  abortAfterFailuresS: number;
  threads: number;
  logLevel: LogLevel;
  /** Exit code when requests failed (Locust's --exit-code-on-error; default 1, 0 ignores failures). */
  exitCodeOnError: number;
  /** -l/--list: print the user classes and their tasks, and exit. */
  list: boolean;
  /** --csv-full-history: the history CSV gets a row per second for every name, not only Aggregated. */
  csvFullHistory: boolean;
  /** --reset-stats: forget the statistics each time a ramp-up completes (Locust's). */
  resetStats: boolean;
  /** Web UI: start a test at once with -u/-r/-t/--host, without waiting for the browser. */
  autostart: boolean;
  /** Web UI with autostart: quit this many seconds after the test ends. */
  autoquitS?: number;
  prometheusPort?: number;
  /** Pushgateway base URL: the run's summary is pushed there at the end (trends across runs). */
  pushgateway?: string;
  webHost: string;
  webPort: number;
  webAuth?: string;
  monitorPid?: number;
  config?: string;
  userClasses: string[];
  maxNames: number;
  seed?: number;
  /** https: accept any certificate (self-signed test environments). */
  insecure: boolean;
  /** Scenarios from the config file (or, when absent, the script's `options`). */
  scenarios?: Scenarios;
  /** Thresholds from the config file (or, when absent, the script's `options`). */
  thresholds?: Thresholds;
  /** Options given on the command line or through their environment variable: a config file cannot override these. */
  given?: ReadonlySet<keyof RunOptions>;
  /** Options the config file set. */
  configured?: ReadonlySet<keyof RunOptions>;
}

/** Commander's option keys → RunOptions keys, where they differ. */
const RAW_TO_OPTION: Record<string, keyof RunOptions> = {
  locustfile: 'file',
  runTime: 'runTimeS',
  jsonFile: 'json',
  stopTimeout: 'stopTimeoutS',
  abortAfterFailures: 'abortAfterFailuresS',
  loglevel: 'logLevel',
  failOnError: 'exitCodeOnError',
  autoquit: 'autoquitS',
};

/** The RunOptions keys set on the command line (or by environment variable). */
function givenKeys(raw: Record<string, unknown>, userClasses: string[]): Set<keyof RunOptions> {
  const given = new Set<keyof RunOptions>();
  for (const [key, value] of Object.entries(raw)) if (value !== undefined) given.add(RAW_TO_OPTION[key] ?? (key as keyof RunOptions));
  if (userClasses.length > 0) given.add('userClasses');
  return given;
}

export function positiveInt(flag: string, min = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new UsageError('STAMPEDE_ERR_CONFIG_NUMBER', `${flag} must be a whole number ≥ ${min}, got '${value}'`);
    }
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      throw new UsageError('STAMPEDE_ERR_CONFIG_NUMBER', `${flag} must be a number > 0, got '${value}'`);
    }
    return n;
  };
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** -T/-E: Locust takes `-T a b` and `-T a,b`; every value (and each repetition) adds to the list. */
const addTags = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...list(value)];

/** -f a.ts -f b.ts is -f a.ts,b.ts (Locust runs every file's classes together). */
const addFile = (value: string, previous: string | undefined): string => (previous ? `${previous},${value}` : value);

/** A report path: `--json --headless` must not write a file named `--headless`. */
function reportPath(flag: string) {
  return (value: string): string => {
    if (value.startsWith('-') && value !== '-') {
      throw new UsageError('STAMPEDE_ERR_CONFIG_REPORT_PATH', `${flag} needs a file name, got '${value}'`, flag === '--json' ? 'write --json FILE, or --json - for stdout' : `write ${flag} FILE`);
    }
    return value;
  };
}

function opt(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env);
}

/**
 * Adds the scripted-run options to a command, and Locust's flags it refuses (locust-flags.ts) but those in `own`
 * (the master's --expect-workers).
 */
export function addRunOptions(cmd: Command, own: readonly string[] = []): Command {
  return addLocustFlags(cmd, own)
    .addOption(opt('-f, --locustfile <file>', 'user script (.ts or .js), a comma list of them, or a directory of them; repeatable: their classes run together', 'STAMPEDE_LOCUSTFILE').argParser(addFile))
    .addOption(opt('-H, --host <url>', 'base URL of the target, e.g. http://127.0.0.1:8000', 'STAMPEDE_HOST'))
    .addOption(opt('-u, --users <n>', 'peak number of concurrent users (default 1)', 'STAMPEDE_USERS').argParser(positiveInt('--users', 0)))
    .addOption(opt('-r, --spawn-rate <n>', 'users started per second (default 1)', 'STAMPEDE_SPAWN_RATE').argParser(positiveNumber('--spawn-rate')))
    .addOption(opt('-t, --run-time <duration>', 'stop after this long: 30s, 5m, 1h30m (default: until stopped)', 'STAMPEDE_RUN_TIME'))
    .addOption(opt('--headless', 'no web UI: start at once, print progress, exit at the end', 'STAMPEDE_HEADLESS'))
    .addOption(opt('--only-summary', 'print only the final summary, no live line', 'STAMPEDE_ONLY_SUMMARY'))
    .addOption(opt('--json <file>', 'write the JSON report to FILE (- for stdout: then tables and progress go to stderr)', 'STAMPEDE_JSON').argParser(reportPath('--json')))
    .addOption(new Option('--json-file <file>', "alias of --json (Locust's name)").hideHelp().argParser(reportPath('--json-file')))
    .addOption(opt('--csv <prefix>', "write Locust-compatible CSV files PREFIX_stats.csv, ...", 'STAMPEDE_CSV').argParser(reportPath('--csv')))
    .addOption(opt('--csv-full-history', 'PREFIX_stats_history.csv gets a row per second for every name, not only Aggregated', 'STAMPEDE_CSV_FULL_HISTORY'))
    .addOption(opt('--html <file>', 'write the HTML report to FILE', 'STAMPEDE_HTML').argParser(reportPath('--html')))
    .addOption(opt('--junit <file>', 'write thresholds and checks as JUnit XML to FILE', 'STAMPEDE_JUNIT').argParser(reportPath('--junit')))
    .addOption(opt('--reset-stats', 'forget the statistics each time a ramp-up completes', 'STAMPEDE_RESET_STATS'))
    .addOption(opt('-l, --list', 'print the user classes and their tasks, and exit', 'STAMPEDE_LIST'))
    .addOption(opt('-T, --tags <tag...>', 'run only tasks with any of these tags (spaces or commas)', 'STAMPEDE_TAGS').argParser(addTags))
    .addOption(opt('-E, --exclude-tags <tag...>', 'skip tasks with any of these tags (spaces or commas)', 'STAMPEDE_EXCLUDE_TAGS').argParser(addTags))
    .addOption(opt('--arrival-rate <n>', 'open model: N iterations per second', 'STAMPEDE_ARRIVAL_RATE').argParser(positiveNumber('--arrival-rate')))
    .addOption(opt('--stages <list>', 'ramp users in stages, e.g. "30s:10,1m:100,30s:0"', 'STAMPEDE_STAGES'))
    .addOption(opt('-s, --stop-timeout <duration>', 'at stop, wait this long for tasks in flight: seconds or 30s, 1m (default 10s)', 'STAMPEDE_STOP_TIMEOUT'))
    .addOption(opt('--abort-after-failures <duration>', 'stop with exit 3 after this long with only failures; 0 never (default 30s)', 'STAMPEDE_ABORT_AFTER_FAILURES'))
    .addOption(opt('--threads <n>', 'user threads (default: available cores)', 'STAMPEDE_THREADS').argParser(positiveInt('--threads')))
    .addOption(opt('-L, --loglevel <level>', `log level: ${LOG_LEVELS.join(', ')} (default info)`, 'STAMPEDE_LOGLEVEL'))
    .addOption(opt('--exit-code-on-error <n>', 'exit code when any request failed (default 1; 0 ignores failures)', 'STAMPEDE_EXIT_CODE_ON_ERROR').argParser(exitCodeArg('--exit-code-on-error')))
    .addOption(new Option('--fail-on-error', 'alias of --exit-code-on-error 1').env('STAMPEDE_FAIL_ON_ERROR').hideHelp())
    .addOption(opt('--prometheus-port <port>', 'serve /metrics on this port in headless mode', 'STAMPEDE_PROMETHEUS_PORT').argParser(positiveInt('--prometheus-port', 0)))
    .addOption(opt('--pushgateway <url>', "push the run's summary to this Pushgateway at the end", 'STAMPEDE_PUSHGATEWAY'))
    .addOption(opt('--web-host <host>', 'web UI address (default 127.0.0.1)', 'STAMPEDE_WEB_HOST'))
    .addOption(opt('-P, --web-port <port>', 'web UI port (default 8089; 0 picks a free one)', 'STAMPEDE_WEB_PORT').argParser(positiveInt('--web-port', 0)))
    .addOption(opt('--autostart', 'web UI: start the test at once with -u, -r, -t and --host', 'STAMPEDE_AUTOSTART'))
    .addOption(opt('--autoquit <seconds>', 'web UI with --autostart: quit this long after the test ends', 'STAMPEDE_AUTOQUIT'))
    .addOption(opt('--web-auth <cred>', 'web UI credentials: user:pass or token:TOKEN', 'STAMPEDE_WEB_AUTH'))
    .addOption(opt('--monitor-pid <pid>', 'also sample this process (the target)', 'STAMPEDE_MONITOR_PID').argParser(positiveInt('--monitor-pid')))
    .addOption(opt('--config <file>', 'config file (stampede.config.ts); the command line wins', 'STAMPEDE_CONFIG'))
    .addOption(opt('--max-names <n>', 'distinct request names kept apart (default 2000)', 'STAMPEDE_MAX_NAMES').argParser(positiveInt('--max-names')))
    .addOption(opt('--insecure', 'https: skip certificate checks (self-signed test environments)', 'STAMPEDE_INSECURE'))
    .addOption(opt('--seed <n>', 'random seed for task choice and wait times', 'STAMPEDE_SEED').argParser(positiveInt('--seed', 0)))
    .argument('[USER_CLASS...]', 'run only these user classes (after -T/-E, separate them with --)');
}

/** An exit code: a whole number from 0 to 255. */
export function exitCodeArg(flag: string) {
  return (value: string): number => {
    const n = positiveInt(flag, 0)(value);
    if (n > 255) throw new UsageError('STAMPEDE_ERR_CONFIG_NUMBER', `${flag} must be an exit code from 0 to 255, got '${value}'`);
    return n;
  };
}

/** Turns commander's raw values into validated RunOptions; `own` as in addRunOptions. */
export function toRunOptions(raw: Record<string, any>, userClasses: string[], own: readonly string[] = []): RunOptions {
  refuseLocustFlags(raw, own);
  const file = raw.locustfile as string | undefined;
  // With --config the script may come from the config file (checked once it is read).
  if (!file && !raw.config) throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', 'no user script given', 'pass one with -f users.ts');
  const logLevel = (raw.loglevel ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_LOGLEVEL', `invalid --loglevel '${raw.loglevel}'`, `use one of ${LOG_LEVELS.join(', ')}`);
  }
  if (raw.host !== undefined) checkUrl(raw.host, '--host');
  if (raw.autoquit !== undefined && !raw.autostart && !raw.headless) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_AUTOQUIT', '--autoquit needs --autostart', 'add --autostart (the web UI starts the test at once), or use --headless');
  }
  return {
    file: file ?? '',
    host: raw.host,
    users: raw.users ?? 1,
    spawnRate: raw.spawnRate ?? 1,
    runTimeS: raw.runTime !== undefined ? parseDurationS(raw.runTime, '--run-time') : undefined,
    headless: Boolean(raw.headless),
    onlySummary: Boolean(raw.onlySummary),
    json: raw.json ?? raw.jsonFile,
    csv: raw.csv,
    html: raw.html,
    junit: raw.junit,
    tags: raw.tags?.length ? raw.tags : undefined,
    excludeTags: raw.excludeTags?.length ? raw.excludeTags : undefined,
    arrivalRate: raw.arrivalRate,
    stages: raw.stages,
    stopTimeoutS: raw.stopTimeout !== undefined ? parseDurationS(raw.stopTimeout, '--stop-timeout') : 10,
    abortAfterFailuresS: raw.abortAfterFailures !== undefined ? parseDurationS(raw.abortAfterFailures, '--abort-after-failures') : DEFAULT_ABORT_AFTER_FAILURES_S,
    threads: raw.threads ?? os.availableParallelism(),
    logLevel: logLevel as LogLevel,
    exitCodeOnError: raw.exitCodeOnError ?? DEFAULT_EXIT_CODE_ON_ERROR,
    list: Boolean(raw.list),
    csvFullHistory: Boolean(raw.csvFullHistory),
    resetStats: Boolean(raw.resetStats),
    autostart: Boolean(raw.autostart),
    autoquitS: raw.autoquit !== undefined ? parseDurationS(raw.autoquit, '--autoquit') : undefined,
    prometheusPort: raw.prometheusPort,
    pushgateway: raw.pushgateway !== undefined ? checkUrl(raw.pushgateway, '--pushgateway').href : undefined,
    webHost: raw.webHost ?? '127.0.0.1',
    webPort: raw.webPort ?? 8089,
    webAuth: raw.webAuth,
    monitorPid: raw.monitorPid,
    config: raw.config,
    userClasses,
    maxNames: raw.maxNames ?? 2000,
    seed: raw.seed,
    insecure: Boolean(raw.insecure),
    given: givenKeys(raw, userClasses),
  };
}

/** Validates an http(s) URL given on the command line. */
export function checkUrl(value: string, flag: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('STAMPEDE_ERR_CONFIG_URL', `${flag} '${value}' is not a URL`, 'write it like http://127.0.0.1:8000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('STAMPEDE_ERR_CONFIG_URL', `${flag} '${value}' must be http:// or https://`);
  }
  return url;
}
