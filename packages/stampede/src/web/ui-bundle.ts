/**
 * The browser app. From the sources it is built in memory with esbuild when the server starts (~0.2 s), so the UI
 * always matches the server that serves it; the package build writes the same script to ui/app.js beside the
 * built module (buildUiScript), read at start. The page carries the per-process token in a <meta> tag, never in
 * inline script (the CSP allows none).
 */
import type * as Esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireCjs } from '../cjs.ts';

const UI_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ui');

/** The built app: one script, one stylesheet, and the page template. */
export interface UiBundle {
  js: string;
  css: string;
  /** The page, with the token (already attribute-safe: base64url) filled in. */
  html(token: string): string;
}

let cached: Promise<UiBundle> | undefined;

/** Builds the UI once per process (later calls share the result). */
export function loadUiBundle(): Promise<UiBundle> {
  cached ??= buildUi().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** The app's script, bundled and minified from `uiDir`/main.ts (the sources' ui/ folder). */
export async function buildUiScript(uiDir: string): Promise<string> {
  const { build } = requireCjs('esbuild') as typeof Esbuild;
  const result = await build({
    entryPoints: [path.join(uiDir, 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

async function buildUi(): Promise<UiBundle> {
  const prebuilt = path.join(UI_DIR, 'app.js');
  const js = existsSync(path.join(UI_DIR, 'main.ts')) ? await buildUiScript(UI_DIR) : await readFile(prebuilt, 'utf8');
  const uplotCss = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');
  const [chartCss, appCss, template] = await Promise.all([
    readFile(uplotCss, 'utf8'),
    readFile(path.join(UI_DIR, 'styles.css'), 'utf8'),
    readFile(path.join(UI_DIR, 'index.html'), 'utf8'),
  ]);
  return {
    js,
    css: `${chartCss}\n${appCss}`,
    html: (token) => template.replace('__STAMPEDE_TOKEN__', token),
  };
}
