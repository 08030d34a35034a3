/**
 * `-f` as Locust takes it (issue #18): one file, several (`-f a.ts -f b.ts`, `-f a.ts,b.ts`) or a directory (its
 * .ts/.js user files, not those starting with '.' or '_', nor tests or declarations). Several files are loaded as
 * one script: a generated entry next to the first re-exports every file's exports, so the one bundle that the
 * worker threads import holds every file's user classes. Two files that export different classes of one name are
 * refused: USER_CLASS arguments and the reports name classes by name.
 */
import type * as Esbuild from 'esbuild';
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireCjs } from '../cjs.ts';
import { selfImportPlugin } from '../self-import.ts';
import { loadScript, type LoadScriptOptions, type LoadScriptResult } from '../user/load-script.ts';
import { isUserClass } from '../user/user.ts';
import { UsageError } from './errors.ts';

/** Which file exports a name, and the name it has in the generated entry. */
interface ExportedBy {
  file: string;
  as: string;
}

const USER_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
const NOT_USER_FILE = /\.d\.[cm]?ts$|\.(?:test|spec)\.[cm]?[jt]s$/;

/** The user files `spec` names (comma list; directories expanded, sorted), as given or joined to the directory. */
export function expandUserFiles(spec: string, cwd = process.cwd()): string[] {
  const files: string[] = [];
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    let isDir: boolean;
    try {
      isDir = statSync(path.resolve(cwd, item)).isDirectory();
    } catch {
      throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', `user file '${item}' not found`, 'check the path given to -f (a .ts/.js file, a comma list, or a directory)');
    }
    if (!isDir) {
      files.push(item);
      continue;
    }
    const found = readdirSync(path.resolve(cwd, item))
      .filter((name) => USER_FILE.test(name) && !NOT_USER_FILE.test(name) && !name.startsWith('.') && !name.startsWith('_'))
      .filter((name) => statSync(path.resolve(cwd, item, name)).isFile())
      .sort();
    if (found.length === 0) throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', `no .ts or .js user file in directory '${item}'`, 'point -f at a user script or a directory of them');
    files.push(...found.map((name) => path.join(item, name)));
  }
  if (files.length === 0) throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', 'no user script given', 'pass one with -f users.ts');
  return [...new Set(files)];
}

/** The names a file exports, from esbuild's metafile (the file is bundled, not run). */
async function exportsOf(abs: string, cwd: string): Promise<string[]> {
  const { build } = requireCjs('esbuild') as typeof Esbuild;
  const result = await build({
    entryPoints: [abs], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external',
    plugins: [selfImportPlugin], write: false, metafile: true, logLevel: 'silent', absWorkingDir: cwd, outfile: 'out.mjs',
  });
  return Object.values(result.metafile.outputs).flatMap((o) => o.exports);
}

/** Loads the user file(s) of `spec` as one script (see the module comment). */
export async function loadUserFiles(spec: string, options: LoadScriptOptions = {}): Promise<LoadScriptResult> {
  const cwd = path.resolve(options.cwd ?? '.');
  const files = expandUserFiles(spec, cwd);
  if (files.length === 1) return loadScript(files[0]!, options);
  const exporters = new Map<string, ExportedBy[]>();
  const lines: string[] = [];
  for (const [i, file] of files.entries()) {
    const abs = path.resolve(cwd, file);
    let names: string[];
    try {
      names = await exportsOf(abs, cwd);
    } catch (error) {
      // loadScript says where the file is broken, in its own words (file:line:col).
      await loadScript(file, { ...options, keepBundle: false });
      throw error;
    }
    const specs: string[] = [];
    for (const name of names) {
      const seen = exporters.get(name) ?? [];
      // The first file to export a name keeps it; later ones (and every default export) under an alias.
      const as = seen.length === 0 && name !== 'default' ? name : `${name}$stampede${i}`;
      exporters.set(name, [...seen, { file, as }]);
      specs.push(as === name ? name : `${name} as ${as}`);
    }
    if (specs.length > 0) lines.push(`export { ${specs.join(', ')} } from ${JSON.stringify(abs)};`);
  }
  const optionFiles = exporters.get('options') ?? [];
  if (optionFiles.length > 1) {
    throw new UsageError('STAMPEDE_ERR_CONFIG_OPTIONS', `${optionFiles.map((e) => e.file).join(' and ')} each export options`, 'export options from one user file only, or put scenarios and thresholds in stampede.config.ts');
  }
  const entry = path.join(path.dirname(path.resolve(cwd, files[0]!)), `.stampede-entry-${randomUUID().slice(0, 13)}.mjs`);
  writeFileSync(entry, `${lines.join('\n')}\n`);
  let loaded: LoadScriptResult;
  try {
    loaded = await loadScript(entry, options);
  } finally {
    unlinkSync(entry);
  }
  try {
    checkClassNames(loaded.module, exporters);
  } catch (error) {
    loaded.dispose();
    throw error;
  }
  return loaded;
}

/**
 * Refuses two different user classes exported under one name (each file's own `Reader`): by export name, since
 * esbuild renames one of two clashing top-level classes in the bundle (`Reader2`).
 */
function checkClassNames(module: Readonly<Record<string, unknown>>, exporters: ReadonlyMap<string, ExportedBy[]>): void {
  for (const [name, by] of exporters) {
    if (by.length < 2) continue;
    const classes = new Set(by.map((e) => module[e.as]).filter((v) => isUserClass(v)));
    if (classes.size > 1) {
      throw new UsageError('STAMPEDE_ERR_CONFIG_FILE', `two user classes are named ${name} (in ${by.map((e) => e.file).join(' and ')})`, 'rename one: classes are picked and reported by name');
    }
  }
}
