/**
 * A test's headline figures as a person reads them ("image upload 28.8 MB/s, p95 618 ms"), for the console table and
 * the HTML report alike. Reads summary.json's `headline` defensively: any entry may be malformed.
 */
import { fmt } from './html-sections.ts';

/** One figure as text, e.g. "p95 618 ms"; '' when the entry is unusable or was not measured. */
export function headlineFigureText(h: unknown): string {
  if (!h || typeof h !== 'object') return '';
  const { label, value, unit } = h as { label?: unknown; value?: unknown; unit?: unknown };
  if (value === null || value === undefined) return '';
  const shown = typeof value === 'number' ? fmt(value, Math.abs(value) < 1 ? 3 : 2) : String(value);
  return [typeof label === 'string' ? label : '', shown, typeof unit === 'string' ? unit : ''].filter(Boolean).join(' ');
}

/** The figures of a test joined with commas; '' when there are none. */
export function headlineText(headline: unknown): string {
  return Array.isArray(headline) ? headline.map(headlineFigureText).filter(Boolean).join(', ') : '';
}
