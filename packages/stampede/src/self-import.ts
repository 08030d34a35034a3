/**
 * How a bundled script (user script, config file, suite) reaches this package: the package's name resolves to the
 * entry this very process has loaded, so there is one copy of our classes (`instanceof HttpUser` holds).
 */
import type { Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleUrl } from './module-url.ts';

/** The name scripts import: `import { HttpUser } from 'stampede-load'`. */
export const PACKAGE_NAME = 'stampede-load';

/** URL of this package's entry beside this module: src/index.ts from the sources, dist/index.js when built. */
export const SELF_ENTRY = moduleUrl('./index', import.meta.url);

/** Every entry of the package (its `exports`), by specifier, as URLs of this very copy. */
export const SELF_ENTRIES: Readonly<Record<string, string>> = {
  [PACKAGE_NAME]: SELF_ENTRY,
  [`${PACKAGE_NAME}/suite`]: moduleUrl('./suite/index', import.meta.url),
  [`${PACKAGE_NAME}/internals`]: moduleUrl('./internals', import.meta.url),
};

const selfFilter = new RegExp(`^${PACKAGE_NAME.replace(/[-]/g, '\\-')}(?:/|$)`);
const TS_SOURCE = /\.(?:ts|mts|cts|tsx)$/;

/**
 * esbuild plugin for bundles run by this process: `stampede-load` and its subpaths are external and point at this
 * copy's entries ({@link SELF_ENTRIES});
 * another package that resolves to TypeScript sources (a workspace package with no build) is bundled, since Node
 * cannot import TypeScript; every other package stays external and resolves from the script's folder at run time.
 */
export const selfImportPlugin: Plugin = {
  name: 'stampede-self',
  setup(b) {
    b.onResolve({ filter: selfFilter }, (args) => {
      const entry = SELF_ENTRIES[args.path];
      // A subpath the package does not export: say so now rather than at import time in a thread.
      if (entry === undefined) return { errors: [{ text: `${args.path} is not an entry of ${PACKAGE_NAME} (${Object.keys(SELF_ENTRIES).join(', ')})` }] };
      return { path: entry, external: true };
    });
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || !args.resolveDir) return undefined;
      try {
        const resolved = createRequire(path.join(args.resolveDir, 'noop.js')).resolve(args.path);
        return TS_SOURCE.test(resolved) ? { path: resolved } : undefined;
      } catch {
        return undefined;
      }
    });
  },
};

/**
 * esbuild plugin: `import.meta.url` in a bundled source file stays that file's own URL (the bundle sits elsewhere),
 * so a script finds the files beside it as it would when run unbundled.
 */
export const sourceUrlPlugin: Plugin = {
  name: 'stampede-source-url',
  setup(b) {
    b.onLoad({ filter: /\.(?:[mc]?[jt]s|tsx)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const ext = path.extname(args.path).slice(1);
      const loader = ext === 'tsx' ? 'tsx' : ext.endsWith('ts') ? 'ts' : 'js';
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader };
    });
  },
};
