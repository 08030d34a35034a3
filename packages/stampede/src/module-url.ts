/**
 * URLs of this package's own modules that are loaded by URL (worker entries, lazily imported modules). The package
 * runs from its TypeScript sources (src/, tests and development) or from the build (dist/, the published package):
 * a module's URL takes the extension of the module that asks for it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** URL of the module `relative` (no extension) beside `fromUrl` (the caller's import.meta.url), as .ts or .js. */
export function moduleUrl(relative: string, fromUrl: string): string {
  return new URL(`${relative}${path.extname(fileURLToPath(fromUrl))}`, fromUrl).href;
}
