/**
 * Durations in workload options: a number of seconds, or text like `30s`, `5m`, `1h30m`, `250ms` (Locust's `-t`,
 * k6's `duration`). The one parser of the engine, the config file and the command line.
 */
import { WorkloadError } from './errors.ts';

/** A duration as written in options: seconds (number) or text with units (`ms`, `s`, `m`, `h`, `d`). */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * @param what names the option in the error message, e.g. `scenarios.reads.duration`
 * @returns milliseconds (finite, ≥ 0)
 */
export function parseDurationMs(value: Duration, what: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value * 1000;
  } else {
    const s = String(value).trim().toLowerCase();
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
    const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
    let total = 0;
    let end = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      total += Number(m[1]) * UNIT_MS[m[2]!]!;
      end = re.lastIndex;
    }
    if (s.length > 0 && end === s.length) return total;
  }
  throw new WorkloadError(
    'STAMPEDE_ERR_CONFIG_DURATION',
    `invalid ${what} '${String(value)}'`,
    'use a number of seconds or units like 30s, 5m, 1h30m',
  );
}

/** {@link parseDurationMs} in seconds, for command-line flags (`-t 1h30m`); `what` names the flag. */
export function parseDurationS(value: Duration, what = 'duration'): number {
  return parseDurationMs(value, what) / 1000;
}
