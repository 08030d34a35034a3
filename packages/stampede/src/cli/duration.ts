import { UsageError } from './errors.ts';

const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration like Locust's `-t`: `90` (seconds), `30s`, `5m`, `1h`, `1h30m`, `1.5s`, `250ms`.
 * @returns seconds
 */
export function parseDurationS(text: string, flag = 'duration'): number {
  const s = String(text).trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_S[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    throw new UsageError(
      'STAMPEDE_ERR_CONFIG_DURATION',
      `invalid ${flag} '${text}'`,
      'use a number of seconds or units like 30s, 5m, 1h30m',
    );
  }
  return total;
}
