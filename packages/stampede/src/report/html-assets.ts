/**
 * What every HTML report inlines: uPlot's prebuilt script and stylesheet from node_modules, and our client script
 * (ui/report-client.ts, types stripped and minified by esbuild once per process from the sources, ~20 ms plus the
 * esbuild service start; the package build writes it to ui/report-client.js). Bundling uPlot on every CLI start
 * would cost ~200 ms more.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';
import { requireCjs } from '../cjs.ts';

export interface ReportAssets {
  /** uPlot's stylesheet. */
  css: string;
  /** uPlot's prebuilt IIFE (defines the global `uPlot`) followed by the client script. */
  clientJs: string;
}

let cached: ReportAssets | undefined;

/** A script must not contain `</script` or `<!--` (either would end or change the inline element). */
function inlineSafe(js: string, what: string): string {
  if (/<\/script|<!--/i.test(js)) throw new Error(`${what} cannot be inlined: it contains </script or <!--`);
  return js;
}

/** The report's client script from its TypeScript source `file`. */
export function buildReportClient(file: string): string {
  // The client imports types only, so stripping them is the whole build: no bundling.
  const { transformSync } = requireCjs('esbuild') as typeof Esbuild;
  return transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'iife', minify: true, target: 'es2020', legalComments: 'none' }).code;
}

function clientScript(): string {
  const source = fileURLToPath(new URL('./ui/report-client.ts', import.meta.url));
  return existsSync(source) ? buildReportClient(source) : readFileSync(new URL('./ui/report-client.js', import.meta.url), 'utf8');
}

/** The inlined assets, built on first use. */
export function reportAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const uplot = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  cached = { css, clientJs: `${inlineSafe(uplot, 'uPlot')}\n${inlineSafe(clientScript(), 'the report client')}` };
  return cached;
}
