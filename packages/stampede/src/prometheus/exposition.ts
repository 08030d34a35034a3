/**
 * A writer of the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE` once per family, then
 * its samples. We write the text ourselves rather than keep a prom-client registry in step with the Aggregate:
 * the exporter reads the one Aggregate on every scrape, so there is no state to mirror.
 */

/** The `Content-Type` of a text exposition (what Prometheus and promtool expect). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Metric family types used by our exporters. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Label name → value. Names must match `[a-zA-Z_][a-zA-Z0-9_]*` (ours are constants). */
export type Labels = Readonly<Record<string, string>>;

/** One cumulative histogram bucket: the count of observations ≤ `le` (in the family's unit). */
export interface HistogramBucket {
  le: number;
  count: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A sample value as Prometheus parses it (Go ParseFloat syntax; `+Inf`, `-Inf`, `NaN`). */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** Escapes a label value: backslash, double quote and line feed (exposition format spec). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Accumulates families and samples; `text()` returns the exposition, ending in a line feed. */
export class ExpositionWriter {
  readonly #lines: string[] = [];
  readonly #families = new Set<string>();

  /**
   * Starts a family: its HELP and TYPE lines. Each family must be written once and its samples must follow
   * before the next family starts (promtool rejects interleaved families).
   */
  family(name: string, type: MetricType, help: string): this {
    if (!METRIC_NAME.test(name)) throw new RangeError(`invalid metric name '${name}'`);
    if (this.#families.has(name)) throw new RangeError(`metric family '${name}' written twice`);
    this.#families.add(name);
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /** One sample line. `name` is the family name, or for a histogram the family name plus `_bucket|_sum|_count`. */
  sample(name: string, labels: Labels, value: number): this {
    this.#lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  /**
   * The samples of one histogram series: cumulative buckets (ascending `le`, a `+Inf` bucket equal to `count`
   * is added), then `_sum` and `_count`.
   */
  histogram(name: string, labels: Labels, buckets: readonly HistogramBucket[], sum: number, count: number): this {
    for (const b of buckets) this.sample(`${name}_bucket`, { ...labels, le: formatValue(b.le) }, b.count);
    this.sample(`${name}_bucket`, { ...labels, le: '+Inf' }, count);
    this.sample(`${name}_sum`, labels, sum);
    this.sample(`${name}_count`, labels, count);
    return this;
  }

  /** The exposition text. */
  text(): string {
    return this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`;
  }
}
