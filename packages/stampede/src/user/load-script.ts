/**
 * Loading a user script (.ts or .js): esbuild bundles it to a hidden `.stampede-<id>.mjs` next to the script
 * (so the script's own relative imports and npm packages resolve as they would for the script), with npm
 * packages left external and `stampede` pointed at this very package (one copy of our classes, so
 * `instanceof HttpUser` holds), then `import()`s it. esbuild does not typecheck: type errors do not stop a run.
 *
 * Every failure to build or load is a StampedeUserError `STAMPEDE_ERR_SCRIPT` whose message starts with
 * `file:line:col: ` (from esbuild's location, or from the source-mapped stack of an import-time throw).
 */
import type * as Esbuild from 'esbuild';
import type { BuildFailure, Metafile } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload, type SourceMapping } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { requireCjs } from '../cjs.ts';
import { selfImportPlugin, sourceUrlPlugin } from '../self-import.ts';
import { discoverUserClasses, type DiscoverOptions } from './discover.ts';
import { StampedeUserError, errorMessage } from './errors.ts';
import type { UserClass } from './user.ts';

/** Options of {@link loadScript}: discovery options plus where paths are shown from. */
export interface LoadScriptOptions extends DiscoverOptions {
  /** Directory that error locations are shown relative to (default: the current directory). */
  cwd?: string;
  /** Keep the built bundle for worker threads to import (call `dispose()` when done). Default false. */
  keepBundle?: boolean;
}

/** A loaded script. */
export interface LoadScriptResult {
  /** The script's module namespace. */
  module: Record<string, unknown>;
  /** The user classes to run (see discoverUserClasses). */
  classes: UserClass[];
  /** Absolute path of the built ES module (already deleted unless `keepBundle`). */
  bundlePath: string;
  /** Deletes the bundle (synchronous, so it can run in an exit handler; idempotent). */
  dispose(): void;
}

const inlineMapPrefix = '//# sourceMappingURL=data:application/json;base64,';

function scriptError(location: string, message: string, cause?: unknown): StampedeUserError {
  // Our own errors thrown while the script loads (a legacy decorator) carry the better hint.
  const own = cause instanceof StampedeUserError ? cause.hint : undefined;
  return new StampedeUserError(
    'STAMPEDE_ERR_SCRIPT',
    `${location}: ${message}`,
    own ?? 'fix the script and run again (esbuild does not typecheck: run `npx tsc --noEmit` for type errors)',
    { cause },
  );
}

/** Shows `abs` as typed for the entry file, else relative to cwd when inside it, else absolute. */
function displayer(cwd: string, entryAbs: string, typed: string): (abs: string) => string {
  return (abs) => {
    if (abs === entryAbs) return typed;
    const rel = path.relative(cwd, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  };
}

function buildError(failure: BuildFailure, cwd: string, show: (abs: string) => string): StampedeUserError {
  const first = failure.errors[0];
  if (!first) return scriptError('script', failure.message, failure);
  const loc = first.location;
  const where = loc ? `${show(path.resolve(cwd, loc.file))}:${loc.line}:${loc.column + 1}` : 'script';
  return scriptError(where, first.text, failure);
}

async function bundle(entryAbs: string, bundlePath: string, cwd: string): Promise<Metafile> {
  const { build } = requireCjs('esbuild') as typeof Esbuild;
  const result = await build({
    entryPoints: [entryAbs],
    outfile: bundlePath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    plugins: [selfImportPlugin, sourceUrlPlugin],
    sourcemap: 'external',
    // Class names are what reports, -l and USER_CLASS arguments show: esbuild would rename clashing ones (Reader2).
    keepNames: true,
    sourcesContent: false,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: cwd,
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  const mapComment = map ? `\n${inlineMapPrefix}${Buffer.from(map.contents).toString('base64')}\n` : '';
  writeFileSync(bundlePath, `${js?.text ?? ''}${mapComment}`);
  return result.metafile;
}

function readInlineMap(bundlePath: string): SourceMap | undefined {
  try {
    const text = readFileSync(bundlePath, 'utf8');
    const at = text.lastIndexOf(inlineMapPrefix);
    if (at < 0) return undefined;
    const json = Buffer.from(text.slice(at + inlineMapPrefix.length).trim(), 'base64').toString('utf8');
    return new SourceMap(JSON.parse(json) as SourceMapPayload);
  } catch {
    return undefined;
  }
}

/**
 * `file:line:col` of the first stack frame in the script: a frame in the bundle is mapped back through its source
 * map; a frame already in a script source (Node or tsx applied the map) is taken as is.
 */
function locateThrow(
  error: unknown,
  bundlePath: string,
  inputs: ReadonlySet<string>,
  show: (abs: string) => string,
): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const frame of stack.matchAll(/(?:\(|at )((?:file:\/\/)?\/[^\s()]+):(\d+):(\d+)\)?$/gm)) {
    const file = frame[1]!.startsWith('file:') ? fileURLToPath(frame[1]!) : frame[1]!;
    const line = Number(frame[2]);
    const column = Number(frame[3]);
    if (inputs.has(file)) return `${show(file)}:${line}:${column}`;
    if (file !== bundlePath) continue;
    const entry = readInlineMap(bundlePath)?.findEntry(line - 1, column - 1) as Partial<SourceMapping> | undefined;
    // A frame in esbuild's own helpers (decorators, class fields) maps nowhere: the caller's frame will.
    if (entry?.originalSource === undefined || entry.originalLine === undefined) continue;
    const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : entry.originalSource;
    return `${show(path.resolve(path.dirname(bundlePath), source))}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  }
  return undefined;
}

/** For "Cannot find package 'x'": where the script imports 'x'. */
function locateImport(error: unknown, inputs: readonly string[], show: (abs: string) => string): string | undefined {
  const specifier = /Cannot find (?:package|module) '([^']+)'/.exec(errorMessage(error))?.[1];
  if (!specifier) return undefined;
  for (const abs of inputs) {
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const col = Math.max(lines[i]!.indexOf(`'${specifier}'`), lines[i]!.indexOf(`"${specifier}"`));
      if (col >= 0) return `${show(abs)}:${i + 1}:${col + 1}`;
    }
  }
  return undefined;
}

/**
 * Imports an already built bundle (worker threads import the `bundlePath` that loadScript kept) and finds its
 * user classes. Import-time throws become STAMPEDE_ERR_SCRIPT with a source-mapped `file:line:col`.
 */
export async function importBundle(
  bundlePath: string,
  options: DiscoverOptions & { show?: (abs: string) => string; inputs?: readonly string[] } = {},
): Promise<{ module: Record<string, unknown>; classes: UserClass[] }> {
  const module = await importBuilt(bundlePath, options.show ?? ((abs: string) => abs), options.inputs ?? []);
  return { module, classes: discoverUserClasses(module, options) };
}

async function importBuilt(bundlePath: string, show: (abs: string) => string, inputs: readonly string[]): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(bundlePath).href)) as Record<string, unknown>;
  } catch (error) {
    const where = locateThrow(error, bundlePath, new Set(inputs), show) ?? locateImport(error, inputs, show);
    throw scriptError(where ?? show(bundlePath), errorMessage(error), error);
  }
}

/**
 * Builds and imports a user script, then discovers its user classes.
 * @param file path of the .ts/.js script, as the user typed it (relative to `options.cwd`)
 */
export async function loadScript(file: string, options: LoadScriptOptions = {}): Promise<LoadScriptResult> {
  return importScript(file, options, (module) => discoverUserClasses(module, options));
}

/**
 * Builds and imports a TypeScript or JavaScript module that is not a user script (a suite): as loadScript, with no
 * user classes to find.
 */
export async function importModule(file: string, options: LoadScriptOptions = {}): Promise<LoadScriptResult> {
  return importScript(file, options, () => []);
}

async function importScript(
  file: string,
  options: LoadScriptOptions,
  discover: (module: Record<string, unknown>) => UserClass[],
): Promise<LoadScriptResult> {
  const cwd = path.resolve(options.cwd ?? '.');
  const entryAbs = path.resolve(cwd, file);
  const show = displayer(cwd, entryAbs, file);
  const bundlePath = path.join(path.dirname(entryAbs), `.stampede-${randomUUID().slice(0, 13)}.mjs`);
  const dispose = () => {
    try {
      unlinkSync(bundlePath);
    } catch {}
  };
  let metafile: Metafile;
  try {
    metafile = await bundle(entryAbs, bundlePath, cwd);
  } catch (error) {
    dispose();
    if (error && typeof error === 'object' && 'errors' in error) throw buildError(error as BuildFailure, cwd, show);
    throw scriptError(file, errorMessage(error), error);
  }
  const inputs = Object.keys(metafile.inputs).map((p) => path.resolve(cwd, p));
  try {
    const module = await importBuilt(bundlePath, show, inputs);
    return { module, classes: discover(module), bundlePath, dispose };
  } catch (error) {
    dispose();
    throw error;
  } finally {
    if (!options.keepBundle) dispose();
  }
}
