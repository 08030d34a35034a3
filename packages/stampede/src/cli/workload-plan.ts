/**
 * What a scripted run will do: its scenarios and thresholds, from the command line, the config file and the
 * script's `options` (docs/workload-models.md has the precedence). `--arrival-rate` and `--stages` (command line
 * or config) make one scenario named "default" and replace any scenarios; so does `-u`/`-r` on the command line;
 * otherwise declared scenarios run; with none, the closed model of Locust (`-u` users at `-r` per second).
 */
import { checkScenarioClasses } from '../runner/scenario-run.ts';
import { parseThresholds } from '../thresholds/parse-threshold.ts';
import { runSetup, runTeardown } from '../user/lifecycle.ts';
import { definedMetrics } from '../user/metrics.ts';
import type { ParsedThreshold } from '../thresholds/threshold-types.ts';
import { normalizeScenarios, peakUsersOf, type ScenarioPlan, type Scenarios } from '../workload/scenarios.ts';
import { normalizeStages, parseStages, type StagePlan } from '../workload/stages.ts';
import { UsageError } from './errors.ts';
import type { RunOptions } from './options.ts';
import { EXIT } from './exit-codes.ts';
import { unreachableTarget, withScript, type PreparedScript } from './prepared-run.ts';
import type { RunIo } from './run-io.ts';

/** The planned run. */
export interface RunWorkload {
  plans: ScenarioPlan[];
  thresholds: ParsedThreshold[];
  /** Most users at once over all scenarios (sizes the user threads); a shape that does not say counts as --users. */
  peakUsers: number;
  model: 'closed' | 'open';
  /** The report's spawn_rate: -r for the plain closed model, else null. */
  spawnRate: number | null;
  /** The options with the effective scenarios and thresholds filled in. */
  opts: RunOptions;
  /** The script's teardown(data), once the users have stopped: resolves what it threw, if it did. */
  teardown?: () => Promise<unknown>;
}

/** `--arrival-rate` starts users as needed up to `-u` (default 100), docs/cli.md. */
export const ARRIVAL_RATE_DEFAULT_MAX_USERS = 100;

function stagesOf(stages: NonNullable<RunOptions['stages']>): StagePlan[] {
  return typeof stages === 'string' ? parseStages(stages) : normalizeStages(stages, 'stages');
}

function cliScenarios(opts: RunOptions): Scenarios | undefined {
  const duration = opts.runTimeS;
  if (opts.arrivalRate !== undefined) {
    const usersSet = Boolean(opts.given?.has('users') || opts.configured?.has('users'));
    const maxUsers = usersSet ? opts.users : ARRIVAL_RATE_DEFAULT_MAX_USERS;
    if (maxUsers < 1) throw new UsageError('STAMPEDE_ERR_CONFIG_NUMBER', '--arrival-rate needs -u ≥ 1 (the most users it may start)');
    const preAllocatedUsers = Math.min(maxUsers, Math.max(1, Math.ceil(opts.arrivalRate)));
    return { default: { executor: 'constantArrivalRate', rate: opts.arrivalRate, duration, preAllocatedUsers, maxUsers } };
  }
  if (opts.stages !== undefined) {
    const stages = stagesOf(opts.stages).map((s) => ({ duration: s.durationMs / 1000, target: s.target }));
    return { default: { executor: 'rampingUsers', stages } };
  }
  return undefined;
}

/** Plans the run; throws exit-2 errors (bad scenario, threshold, stage, or an unknown class in a scenario). */
export function planWorkload(opts: RunOptions, script: PreparedScript): RunWorkload {
  if (opts.arrivalRate !== undefined && opts.stages !== undefined) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_MODEL', '--arrival-rate and --stages cannot be combined', 'for a ramping arrival rate, declare a rampingArrivalRate scenario');
  }
  const scenarios = opts.scenarios ?? script.options?.scenarios;
  const thresholdSpec = opts.thresholds ?? script.options?.thresholds;
  // -u / -r on the command line run the plain closed model instead of the declared scenarios.
  const plain = !scenarios || Boolean(opts.given?.has('users') || opts.given?.has('spawnRate'));
  const chosen: Scenarios = cliScenarios(opts) ??
    (plain ? { default: { executor: 'constantUsers', users: opts.users, spawnRate: opts.spawnRate } } : scenarios!);
  const plans = normalizeScenarios(chosen);
  checkScenarioClasses(plans, script.classes);
  // The script has been imported here: its module-level custom metrics are defined, and thresholds may name them.
  const thresholds = parseThresholds(thresholdSpec, definedMetrics());
  const peakUsers = plans.reduce((n, p) => n + (peakUsersOf(p) ?? opts.users), 0);
  const isPlainClosed = plans.length === 1 && plans[0]!.executor === 'constantUsers' && chosen.default !== undefined;
  return {
    plans,
    thresholds,
    peakUsers,
    model: plans.some((p) => p.kind === 'arrival') ? 'open' : 'closed',
    spawnRate: isPlainClosed ? opts.spawnRate : null,
    opts: { ...opts, scenarios, thresholds: thresholdSpec },
  };
}

/**
 * The start every headless command shares: the script loaded, its workload planned, its targets reached; then
 * `body`, and the bundle deleted after. An unreachable target ends it before any load: one line, exit 3.
 */
export function withPlannedRun(opts: RunOptions, io: RunIo, body: (workload: RunWorkload, script: PreparedScript) => Promise<number>): Promise<number> {
  return withScript(opts, io, async (script) => {
    const workload = planWorkload(opts, script);
    const unreachable = await unreachableTarget(script.hosts);
    if (unreachable) {
      io.logger.log('error', unreachable);
      return EXIT.aborted;
    }
    // Once per run, here on the master in distributed mode; a throw is exit 2 before any user starts.
    script.setupData = await runSetup(script.lifecycle, { host: opts.host });
    const teardown = script.lifecycle.teardown ? () => runTeardown(script.lifecycle, script.setupData) : undefined;
    return body(teardown ? { ...workload, teardown } : workload, script);
  });
}
