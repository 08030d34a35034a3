/**
 * `--config stampede.config.ts`: a typed file that can hold everything the command line can, plus scenarios and
 * thresholds. Loaded like a user script (esbuild → a temporary .mjs next to it → import). Precedence, most specific
 * last: defaults < the script's exported `options` < the config file < environment variables < command-line flags.
 *
 *   import { defineConfig } from 'stampede-load';
 *   export default defineConfig({ file: './users.ts', host: 'http://127.0.0.1:8000', runTime: '1m',
 *     scenarios: { ... }, thresholds: { http_req_failed: ['rate<0.01'] } });
 */
import type * as Esbuild from 'esbuild';
import { randomUUID } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StampedeConfig } from '../config.ts';
import { LOG_LEVELS, type LogLevel } from '../logger.ts';
import { parseDurationS } from '../workload/duration.ts';
import { UsageError } from './errors.ts';
import { checkUrl, positiveInt, positiveNumber, type RunOptions } from './options.ts';
import { requireCjs } from '../cjs.ts';
import { selfImportPlugin } from '../self-import.ts';

function configError(file: string, message: string): UsageError {
  return new UsageError('STAMPEDE_ERR_CONFIG_FILE', `${file}: ${message}`, 'fix the config file (see docs/workload-models.md)');
}

/** Builds and imports a config file; its default export (or `config` export) is the config. */
export async function loadConfigFile(file: string, cwd = process.cwd()): Promise<StampedeConfig> {
  const abs = path.resolve(cwd, file);
  const out = path.join(path.dirname(abs), `.stampede-config-${randomUUID().slice(0, 13)}.mjs`);
  try {
    const { build } = requireCjs('esbuild') as typeof Esbuild;
    const result = await build({
      entryPoints: [abs], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external',
      write: false, logLevel: 'silent', outfile: out,
      plugins: [selfImportPlugin],
    });
    writeFileSync(out, result.outputFiles[0]?.text ?? '');
    const module = (await import(pathToFileURL(out).href)) as { default?: unknown; config?: unknown };
    const config = module.default ?? module.config;
    if (!config || typeof config !== 'object') throw configError(file, 'export the config as default (export default defineConfig({...}))');
    return config as StampedeConfig;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const e = error as { errors?: Array<{ text: string }>; message?: string };
    throw configError(file, e.errors?.[0]?.text ?? String(e.message ?? error));
  } finally {
    try {
      unlinkSync(out);
    } catch {}
  }
}

type Convert = (value: unknown, configDir: string) => unknown;
const str: Convert = (v) => {
  if (typeof v !== 'string') throw new Error('must be a string');
  return v;
};
const bool: Convert = (v) => {
  if (typeof v !== 'boolean') throw new Error('must be true or false');
  return v;
};
const int = (min: number): Convert => (v) => positiveInt('value', min)(String(v));
const num: Convert = (v) => positiveNumber('value')(String(v));
const dur: Convert = (v) => (typeof v === 'number' ? v : parseDurationS(String(v)));
const list: Convert = (v) => (Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean));
const any: Convert = (v) => v;

/** Config key → [RunOptions key, conversion]. */
const FIELDS: Record<keyof StampedeConfig, [keyof RunOptions, Convert]> = {
  file: ['file', (v, dir) => (list(v, dir) as string[]).map((f) => path.resolve(dir, f)).join(',')],
  host: ['host', (v) => checkUrl(str(v, '') as string, 'host') && v],
  users: ['users', int(0)],
  spawnRate: ['spawnRate', num],
  runTime: ['runTimeS', dur],
  headless: ['headless', bool],
  onlySummary: ['onlySummary', bool],
  json: ['json', str],
  csv: ['csv', str],
  html: ['html', str],
  junit: ['junit', str],
  tags: ['tags', list],
  excludeTags: ['excludeTags', list],
  arrivalRate: ['arrivalRate', num],
  stages: ['stages', any],
  stopTimeout: ['stopTimeoutS', dur],
  abortAfterFailures: ['abortAfterFailuresS', dur],
  threads: ['threads', int(1)],
  loglevel: ['logLevel', (v) => {
    if (!LOG_LEVELS.includes(String(v).toLowerCase() as LogLevel)) throw new Error(`must be one of ${LOG_LEVELS.join(', ')}`);
    return String(v).toLowerCase();
  }],
  exitCodeOnError: ['exitCodeOnError', (v) => {
    const n = int(0)(v, '') as number;
    if (n > 255) throw new Error('must be an exit code from 0 to 255');
    return n;
  }],
  failOnError: ['exitCodeOnError', (v) => (bool(v, '') ? 1 : 0)],
  csvFullHistory: ['csvFullHistory', bool],
  resetStats: ['resetStats', bool],
  autostart: ['autostart', bool],
  autoquit: ['autoquitS', dur],
  prometheusPort: ['prometheusPort', int(0)],
  pushgateway: ['pushgateway', (v) => checkUrl(str(v, '') as string, 'pushgateway').href],
  webHost: ['webHost', str],
  webPort: ['webPort', int(0)],
  webAuth: ['webAuth', str],
  monitorPid: ['monitorPid', int(1)],
  maxNames: ['maxNames', int(1)],
  insecure: ['insecure', bool],
  seed: ['seed', int(0)],
  userClasses: ['userClasses', list],
  scenarios: ['scenarios', any],
  thresholds: ['thresholds', any],
};

/** Options with the config's values wherever the command line (or environment) did not set them. */
export function applyConfig(opts: RunOptions, config: StampedeConfig, configFile: string): RunOptions {
  const out: Record<string, unknown> = { ...opts };
  const configured = new Set<keyof RunOptions>();
  const dir = path.dirname(path.resolve(configFile));
  for (const [key, value] of Object.entries(config)) {
    const field = FIELDS[key as keyof StampedeConfig];
    if (!field) throw configError(configFile, `unknown setting '${key}' (settings: ${Object.keys(FIELDS).join(', ')})`);
    if (value === undefined || opts.given?.has(field[0])) continue;
    try {
      out[field[0]] = field[1](value, dir);
    } catch (error) {
      throw configError(configFile, `'${key}' ${(error as Error).message.replace(/^value /, '')}`);
    }
    configured.add(field[0]);
  }
  return { ...(out as unknown as RunOptions), configured };
}

/** The options with `--config` applied (when given); checks that a user script is known. */
export async function resolveRunOptions(opts: RunOptions): Promise<RunOptions> {
  const resolved = opts.config ? applyConfig(opts, await loadConfigFile(opts.config), opts.config) : opts;
  if (!resolved.file) throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', 'no user script given', 'pass one with -f users.ts or set `file` in the config');
  // Checked once both sources are merged: --insecure or `insecure: true` with an http:// host, from either.
  if (resolved.insecure && resolved.host !== undefined && !resolved.host.startsWith('https:')) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_INSECURE', '--insecure applies to https:// hosts only', `${resolved.host} has no certificate to check`);
  }
  return resolved;
}
