/**
 * Locust's flags that Stampede does not take (issue #18): each is accepted by the parser only to be refused with a
 * one-line error naming the Stampede equivalent, or saying there is none — never silently ignored or misread (an
 * unknown `--processes 4` would otherwise hand `4` to the USER_CLASS arguments). The list follows
 * `locust --help` (2.x), plus the older names people still type (`--no-web`, `-c`, `--hatch-rate`, `--step-load`).
 */
import { Option, type Command } from './commander.ts';
import { UsageError } from './errors.ts';

/** Flags → what to use instead. */
const UNSUPPORTED: ReadonlyArray<[flags: string, instead: string]> = [
  ['--master', 'run `stampede master --redis URL ...` (workers meet the master through Redis)'],
  ['--master-bind-host', 'none: the master and its workers meet through Redis (`stampede master --redis URL`)'],
  ['--master-bind-port', 'none: the master and its workers meet through Redis (`stampede master --redis URL`)'],
  ['--expect-workers', 'use `stampede master --expect-workers N`'],
  ['--expect-workers-max-wait', 'use `stampede master --expect-workers-timeout DURATION`'],
  ['--enable-rebalancing', 'none: `stampede master` moves a lost worker\'s users to the others by itself'],
  ['--worker', 'run `stampede worker --redis URL`'],
  ['--master-host', 'use `stampede worker --redis URL`'],
  ['--master-port', 'use `stampede worker --redis URL`'],
  ['--processes', 'use --threads N (users run on N worker threads; default: every core)'],
  ['--heartbeat-liveness', 'none: worker liveness is fixed (see docs/distributed.md)'],
  ['--heartbeat-interval', 'none: worker liveness is fixed (see docs/distributed.md)'],
  ['--web-login', 'use --web-auth user:pass (or token:TOKEN)'],
  ['--tls-cert', 'none: the web UI serves plain HTTP; put a TLS proxy in front of it'],
  ['--tls-key', 'none: the web UI serves plain HTTP; put a TLS proxy in front of it'],
  ['--web-base-path', 'none: the web UI is served at /'],
  ['--class-picker', 'none needed: the web UI always lets you pick the user classes'],
  ['--modern-ui', 'none needed: there is one web UI'],
  ['--legacy-ui', 'none: there is one web UI'],
  ['--config-users', 'none: set class attributes in the user script'],
  ['--print-stats', 'none: --headless prints a live line every 2 s'],
  ['--logfile', 'none: logs go to stderr (redirect it: 2> run.log)'],
  ['--skip-log-setup', 'none: logs go to stderr; choose the level with --loglevel'],
  ['--show-task-ratio', 'use -l/--list (each class with its tasks and weights)'],
  ['--show-task-ratio-json', 'use -l/--list (each class with its tasks and weights)'],
  ['--equal-weights', 'none: set `static weight` on the user classes'],
  ['--profile', 'none: name runs with --json/--csv file names'],
  ['-i, --iterations', 'none: bound a run by time (-t), or by rate and time with --arrival-rate'],
  ['--step-load', 'use --stages "30s:10,1m:20" (or a `stages` scenario)'],
  ['--step-users', 'use --stages "30s:10,1m:20"'],
  ['--step-time', 'use --stages "30s:10,1m:20"'],
  ['--no-web', 'use --headless'],
  ['-c, --clients', 'use -u/--users'],
  ['--hatch-rate', 'use -r/--spawn-rate'],
  ['--csv-base-name', 'use --csv PREFIX'],
  ['--cloud', 'none: Stampede runs where you start it'],
  ['--login', 'none: Stampede has no cloud service'],
  ['--logout', 'none: Stampede has no cloud service'],
  ['--delete', 'none: Stampede has no cloud service'],
  ['--requirements', 'none: install a script\'s npm packages in its project'],
  ['--extra-files', 'none: a script imports its own files; they are bundled with it'],
];

/** Long flags of the list that a command takes as its own (the master's `--expect-workers`). */
function isOwn(flags: string, own: readonly string[]): boolean {
  return own.includes(new Option(flags).long ?? flags);
}

/** Adds each unsupported Locust flag but those in `own`, hidden; refuseLocustFlags() then refuses any that was given. */
export function addLocustFlags(cmd: Command, own: readonly string[] = []): Command {
  for (const [flags] of UNSUPPORTED) {
    if (isOwn(flags, own)) continue;
    // An optional value, so that `--processes 4` takes its 4 instead of leaving it to the USER_CLASS arguments
    // (commander's --no-X is a negation: it takes none, and sets X to false).
    cmd.addOption(new Option(flags.startsWith('--no-') ? flags : `${flags} [value]`).hideHelp());
  }
  return cmd;
}

/** Throws the usage error (exit 2) for the first unsupported Locust flag among commander's values. */
export function refuseLocustFlags(raw: Record<string, unknown>, own: readonly string[] = []): void {
  for (const [flags, instead] of UNSUPPORTED) {
    if (isOwn(flags, own)) continue;
    const option = new Option(flags);
    const value = raw[option.attributeName()];
    if (option.negate ? value !== false : value === undefined) continue;
    throw new UsageError('STAMPEDE_ERR_CONFIG_LOCUST_FLAG', `${option.long} is a Locust flag Stampede does not take`, instead);
  }
}
