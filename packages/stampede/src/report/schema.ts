/**
 * The JSON Schema of the report (draft 2020-12, strict: no unknown keys where the contract is fixed) and a
 * validator. Tests validate every generated report against it; `stampede report`/`compare` validate their input.
 */
import { readFileSync } from 'node:fs';
import type { Ajv2020 as Ajv2020Class, ValidateFunction } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';
import { requireCjs } from '../cjs.ts';

/** The report's JSON Schema (src/report/report-schema.json). */
export const reportSchema: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('./report-schema.json', import.meta.url), 'utf8'),
);

let compiled: ValidateFunction | undefined;

/**
 * The compiled validator. ajv is loaded on first use (it costs ~5 MiB of RSS), so a run that only writes reports
 * (the user script imports this module through `stampede`'s index) never loads it.
 */
function validator(): ValidateFunction {
  if (compiled === undefined) {
    const { Ajv2020 } = requireCjs('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
    // ajv-formats is CommonJS: `module.exports` is the plugin, with the plugin again as `default`.
    const formats = requireCjs('ajv-formats') as FormatsPlugin & { default?: FormatsPlugin };
    const addFormats = formats.default ?? formats;
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    compiled = ajv.compile(reportSchema);
  }
  return compiled;
}

/** One validation problem: where (JSON pointer into the report) and what. */
export interface ReportValidationError {
  /** JSON pointer, e.g. "/totals/latency_ms" ("" for the root). */
  path: string;
  message: string;
}

/**
 * Validate a parsed report against the schema.
 * @returns the problems found; an empty array means valid
 */
export function validateReport(report: unknown): ReportValidationError[] {
  const validate = validator();
  if (validate(report)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return { path: e.instancePath, message: extra === undefined ? (e.message ?? 'invalid') : `${e.message}: "${extra}"` };
  });
}
