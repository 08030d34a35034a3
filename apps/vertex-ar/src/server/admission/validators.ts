/**
 * Request validation: two Ajv instances. Path parameters and query strings arrive as text and must be
 * coerced ("5" → 5); JSON bodies arrive typed and must not be (`{"name": 42}` is a 400, not "42").
 * Fastify's default uses one coercing instance for everything, hence this compiler.
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS with a `default` property; under NodeNext the default import is the module.
const addFormats = ((formatsModule as any).default ?? formatsModule) as (ajv: Ajv) => Ajv;

function makeAjv(extra: Options): Ajv {
  // allErrors stays off: reporting every error of a hostile body is a DoS lever.
  const ajv = new Ajv({ useDefaults: true, removeAdditional: false, allErrors: false, ...extra });
  addFormats(ajv);
  return ajv;
}

/** A Fastify validator compiler: strict types for bodies, coercion elsewhere. */
export function createValidatorCompiler(sharedSchemas: object[]): FastifySchemaCompiler<any> {
  const bodyAjv = makeAjv({ coerceTypes: false });
  const textAjv = makeAjv({ coerceTypes: 'array' });
  for (const s of sharedSchemas) {
    bodyAjv.addSchema(s);
    textAjv.addSchema(s);
  }
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv.compile(schema as object) : finiteOnly(textAjv.compile(schema as object))) as any;
}

/**
 * Ajv coerces '1e309' or 'Infinity' to Infinity and lets it through `integer`, `minimum` and `maximum` (found by
 * the fuzz test: `?limit=1e309` reached SQLite and answered 500). A coerced text part holding a non-finite
 * number is refused here, as Ajv would refuse any other bad value.
 */
function finiteOnly(validate: ValidateFunction): ValidateFunction {
  const checked = ((data: unknown) => {
    const ok = validate(data);
    checked.errors = validate.errors;
    if (!ok || data === null || typeof data !== 'object') return ok;
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        checked.errors = [{ instancePath: `/${key}`, schemaPath: `#/properties/${key}`, keyword: 'type', params: {}, message: 'must be a finite number' }];
        return false;
      }
    }
    return true;
  }) as ValidateFunction;
  return checked;
}
