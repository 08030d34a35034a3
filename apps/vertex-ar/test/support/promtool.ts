/** `promtool check metrics` on a scrape. Missing promtool fails when CI is set; elsewhere the caller skips. */
import { spawnSync } from 'node:child_process';

/** Result of a promtool run: `missing` when it is not installed outside CI. */
export type PromtoolResult = { missing: true; hint: string } | { missing: false; status: number | null; output: string };

/** Runs promtool over `text`. */
export function promtoolCheckMetrics(text: string): PromtoolResult {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    const hint = 'promtool not found; install it with `apt-get install -y prometheus`';
    if (process.env.CI) throw new Error(hint);
    return { missing: true, hint };
  }
  return { missing: false, status: r.status, output: `${r.stdout}${r.stderr}` };
}
