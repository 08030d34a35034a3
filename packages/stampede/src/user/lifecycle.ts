/**
 * A user file's optional `setup()` and `teardown(data)` exports (k6's): setup runs once before any user starts (on
 * the master in distributed mode), its result travels to every user thread and worker as JSON, and each user reads
 * it as `this.setupData`; teardown runs once after the last user stopped, with the same data.
 */
import { StampedeUserError, errorMessage } from './errors.ts';

/** What setup() is given. */
export interface SetupContext {
  /** `--host` (or the config's host), when given. */
  host: string | undefined;
}

/** What the main process calls: the exports, checked. */
export interface ScriptLifecycle {
  setup?: (context: SetupContext) => unknown;
  teardown?: (data: unknown) => unknown;
}

/** The script's setup and teardown exports; anything else under those names is a script error (exit 2). */
export function scriptLifecycle(module: Readonly<Record<string, unknown>>): ScriptLifecycle {
  const out: ScriptLifecycle = {};
  for (const key of ['setup', 'teardown'] as const) {
    const value = module[key];
    if (value === undefined) continue;
    if (typeof value !== 'function') {
      throw new StampedeUserError('STAMPEDE_ERR_SETUP', `the script exports ${key} as a ${typeof value}, not a function`, `export async function ${key}(…) { … }, or rename the export`);
    }
    out[key] = value as never;
  }
  return out;
}

/**
 * Runs setup() and returns its result as JSON text (what threads and workers receive); undefined without setup.
 * A throw, or a result JSON cannot carry, is STAMPEDE_ERR_SETUP: one line, exit 2, no user started.
 */
export async function runSetup(lifecycle: ScriptLifecycle, context: SetupContext): Promise<string | undefined> {
  if (!lifecycle.setup) return undefined;
  let data: unknown;
  try {
    data = await lifecycle.setup(context);
  } catch (error) {
    throw new StampedeUserError('STAMPEDE_ERR_SETUP', `setup() failed: ${errorMessage(error)}`, 'fix setup() or what it calls; no user was started', { cause: error });
  }
  try {
    return JSON.stringify(data ?? null);
  } catch (error) {
    throw new StampedeUserError('STAMPEDE_ERR_SETUP', `setup() returned data that is not JSON: ${errorMessage(error)}`, 'return plain data (objects, arrays, strings, numbers): it travels to every user thread and worker as JSON');
  }
}

/** Runs teardown(data) with what setup returned; a throw is returned as the error, for the run to record. */
export async function runTeardown(lifecycle: ScriptLifecycle, setupData: string | undefined): Promise<unknown> {
  if (!lifecycle.teardown) return undefined;
  try {
    await lifecycle.teardown(readSetupData(setupData));
    return undefined;
  } catch (error) {
    return error;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Setup data as users read it: parsed once per thread and frozen, since every user of the thread shares it. */
export function readSetupData(json: string | undefined): unknown {
  return json === undefined ? undefined : deepFreeze(JSON.parse(json));
}
