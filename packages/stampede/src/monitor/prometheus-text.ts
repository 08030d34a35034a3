/**
 * A parser of the Prometheus text exposition format (0.0.4): `name{label="v",...} value [timestamp]` lines,
 * `#` comments skipped. Enough to pick chosen series out of a target's `/metrics`; not a validator.
 */

/** One sample line. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text); // 'NaN' → NaN
}

/** Parses `{a="x",b="y\"z"}` starting at `i` (the '{'); returns the labels and the index after '}'. */
function parseLabels(line: string, i: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;
  re.lastIndex = i + 1;
  for (;;) {
    const m = re.exec(line);
    if (!m) break;
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  const end = line.indexOf('}', re.lastIndex);
  return { labels, end: end < 0 ? line.length : end + 1 };
}

/** Every sample in the text; malformed lines are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) continue;
    let i = nameMatch[0].length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i));
    const token = line.slice(i).trim().split(/\s+/)[0] ?? '';
    const value = parseValue(token);
    if (token === '' || (Number.isNaN(value) && token !== 'NaN')) continue;
    out.push({ name: nameMatch[0], labels, value });
  }
  return out;
}

/** A parsed selector: `name` or `name{label="value",...}`. */
export interface SeriesSelector {
  key: string;
  name: string;
  labels: Record<string, string>;
}

/** Parses a selector as written in the options (the same syntax as a sample line, without the value). */
export function parseSelector(selector: string): SeriesSelector {
  const brace = selector.indexOf('{');
  if (brace < 0) return { key: selector, name: selector.trim(), labels: {} };
  return { key: selector, name: selector.slice(0, brace).trim(), labels: parseLabels(selector, brace).labels };
}

/**
 * The value of each selector: the sum of the samples with its name whose labels include the selector's (so a bare
 * name sums all label sets, e.g. every worker or every status). Selectors that match nothing are left out.
 */
export function selectSeries(samples: readonly PromSample[], selectors: readonly SeriesSelector[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sel of selectors) {
    let found = false;
    let sum = 0;
    for (const s of samples) {
      if (s.name !== sel.name) continue;
      if (!Object.entries(sel.labels).every(([k, v]) => s.labels[k] === v)) continue;
      found = true;
      sum += s.value;
    }
    if (found) out[sel.key] = sum;
  }
  return out;
}
