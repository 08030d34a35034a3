/**
 * The JSON Schema of the report (draft 2020-12, strict: no unknown keys where the contract is fixed) and a
 * validator. Tests validate every generated report against it; `stampede report`/`compare` validate their input.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

/** The report's JSON Schema (src/report/report-schema.json). */
export const reportSchema: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('./report-schema.json', import.meta.url), 'utf8'),
);

// ajv-formats is CommonJS with `exports.default`: under Node's ESM interop `default` is module.exports itself,
// whose own `default` is the plugin.
const formatsModule = (ajvFormats as unknown as { default: FormatsPlugin & { default?: FormatsPlugin } }).default;
const addFormats: FormatsPlugin = formatsModule.default ?? formatsModule;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
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
