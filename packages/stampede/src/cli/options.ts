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
import { parseDurationS } from './duration.ts';
import { DEFAULT_ABORT_AFTER_FAILURES_S } from './failure-window.ts';
import { UsageError } from './errors.ts';

/** Options of a scripted run (`stampede -f FILE ...`). */
export interface RunOptions {
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
  failOnError: boolean;
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

function opt(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(env);
}

/** Adds the scripted-run options to a command. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .addOption(opt('-f, --locustfile <file>', 'user script (.ts or .js) defining user classes', 'STAMPEDE_LOCUSTFILE'))
    .addOption(opt('-H, --host <url>', 'base URL of the target, e.g. http://127.0.0.1:8000', 'STAMPEDE_HOST'))
    .addOption(opt('-u, --users <n>', 'peak number of concurrent users (default 1)', 'STAMPEDE_USERS').argParser(positiveInt('--users', 0)))
    .addOption(opt('-r, --spawn-rate <n>', 'users started per second (default 1)', 'STAMPEDE_SPAWN_RATE').argParser(positiveNumber('--spawn-rate')))
    .addOption(opt('-t, --run-time <duration>', 'stop after this long: 30s, 5m, 1h30m (default: until stopped)', 'STAMPEDE_RUN_TIME'))
    .addOption(opt('--headless', 'no web UI: start at once, print progress, exit at the end', 'STAMPEDE_HEADLESS'))
    .addOption(opt('--only-summary', 'print only the final summary, no live line', 'STAMPEDE_ONLY_SUMMARY'))
    .addOption(opt('--json <file>', 'write the JSON report to FILE (- for stdout)', 'STAMPEDE_JSON'))
    .addOption(new Option('--json-file <file>', "alias of --json (Locust's name)").hideHelp())
    .addOption(opt('--csv <prefix>', "write Locust-compatible CSV files PREFIX_stats.csv, ...", 'STAMPEDE_CSV'))
    .addOption(opt('--html <file>', 'write the HTML report to FILE', 'STAMPEDE_HTML'))
    .addOption(opt('--junit <file>', 'write thresholds and checks as JUnit XML to FILE', 'STAMPEDE_JUNIT'))
    .addOption(opt('-T, --tags <list>', 'run only tasks with any of these tags (comma-separated)', 'STAMPEDE_TAGS'))
    .addOption(opt('-E, --exclude-tags <list>', 'skip tasks with any of these tags', 'STAMPEDE_EXCLUDE_TAGS'))
    .addOption(opt('--arrival-rate <n>', 'open model: N iterations per second', 'STAMPEDE_ARRIVAL_RATE').argParser(positiveNumber('--arrival-rate')))
    .addOption(opt('--stages <list>', 'ramp users in stages, e.g. "30s:10,1m:100,30s:0"', 'STAMPEDE_STAGES'))
    .addOption(opt('--stop-timeout <duration>', 'at stop, wait this long for tasks in flight (default 10s)', 'STAMPEDE_STOP_TIMEOUT'))
    .addOption(opt('--abort-after-failures <duration>', 'stop with exit 3 after this long with only failures; 0 never (default 30s)', 'STAMPEDE_ABORT_AFTER_FAILURES'))
    .addOption(opt('--threads <n>', 'user threads (default: available cores)', 'STAMPEDE_THREADS').argParser(positiveInt('--threads')))
    .addOption(opt('-L, --loglevel <level>', `log level: ${LOG_LEVELS.join(', ')} (default info)`, 'STAMPEDE_LOGLEVEL'))
    .addOption(opt('--fail-on-error', 'exit 1 when any request failed', 'STAMPEDE_FAIL_ON_ERROR'))
    .addOption(opt('--prometheus-port <port>', 'serve /metrics on this port in headless mode', 'STAMPEDE_PROMETHEUS_PORT').argParser(positiveInt('--prometheus-port', 0)))
    .addOption(opt('--pushgateway <url>', "push the run's summary to this Pushgateway at the end", 'STAMPEDE_PUSHGATEWAY'))
    .addOption(opt('--web-host <host>', 'web UI address (default 127.0.0.1)', 'STAMPEDE_WEB_HOST'))
    .addOption(opt('--web-port <port>', 'web UI port (default 8089)', 'STAMPEDE_WEB_PORT').argParser(positiveInt('--web-port', 0)))
    .addOption(opt('--web-auth <cred>', 'web UI credentials: user:pass or token:TOKEN', 'STAMPEDE_WEB_AUTH'))
    .addOption(opt('--monitor-pid <pid>', 'also sample this process (the target)', 'STAMPEDE_MONITOR_PID').argParser(positiveInt('--monitor-pid')))
    .addOption(opt('--config <file>', 'config file (stampede.config.ts); the command line wins', 'STAMPEDE_CONFIG'))
    .addOption(opt('--max-names <n>', 'distinct request names kept apart (default 2000)', 'STAMPEDE_MAX_NAMES').argParser(positiveInt('--max-names')))
    .addOption(opt('--seed <n>', 'random seed for task choice and wait times', 'STAMPEDE_SEED').argParser(positiveInt('--seed', 0)))
    .argument('[USER_CLASS...]', 'run only these user classes');
}

/** Turns commander's raw values into validated RunOptions. */
export function toRunOptions(raw: Record<string, any>, userClasses: string[]): RunOptions {
  const file = raw.locustfile as string | undefined;
  // With --config the script may come from the config file (checked once it is read).
  if (!file && !raw.config) throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', 'no user script given', 'pass one with -f users.ts');
  const logLevel = (raw.loglevel ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_LOGLEVEL', `invalid --loglevel '${raw.loglevel}'`, `use one of ${LOG_LEVELS.join(', ')}`);
  }
  if (raw.host !== undefined) checkUrl(raw.host, '--host');
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
    tags: raw.tags ? list(raw.tags) : undefined,
    excludeTags: raw.excludeTags ? list(raw.excludeTags) : undefined,
    arrivalRate: raw.arrivalRate,
    stages: raw.stages,
    stopTimeoutS: raw.stopTimeout !== undefined ? parseDurationS(raw.stopTimeout, '--stop-timeout') : 10,
    abortAfterFailuresS: raw.abortAfterFailures !== undefined ? parseDurationS(raw.abortAfterFailures, '--abort-after-failures') : DEFAULT_ABORT_AFTER_FAILURES_S,
    threads: raw.threads ?? os.availableParallelism(),
    logLevel: logLevel as LogLevel,
    failOnError: Boolean(raw.failOnError),
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
