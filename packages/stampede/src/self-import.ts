/**
 * How a bundled script (user script, config file, suite) reaches this package: the package's name resolves to the
 * entry this very process has loaded, so there is one copy of our classes (`instanceof HttpUser` holds).
 */
import type { Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The name scripts import: `import { HttpUser } from 'stampede-load'`. */
export const PACKAGE_NAME = 'stampede-load';

/** URL of this package's entry beside this module: src/index.ts from the sources, dist/index.js when built. */
export const SELF_ENTRY = new URL(`./index${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

const selfFilter = new RegExp(`^${PACKAGE_NAME.replace(/[-]/g, '\\-')}$`);
const TS_SOURCE = /\.(?:ts|mts|cts|tsx)$/;

/**
 * esbuild plugin for bundles run by this process: `stampede-load` is external and points at {@link SELF_ENTRY};
 * another package that resolves to TypeScript sources (a workspace package with no build) is bundled, since Node
 * cannot import TypeScript; every other package stays external and resolves from the script's folder at run time.
 */
export const selfImportPlugin: Plugin = {
  name: 'stampede-self',
  setup(b) {
    b.onResolve({ filter: selfFilter }, () => ({ path: SELF_ENTRY, external: true }));
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
