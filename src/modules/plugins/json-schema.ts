import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import type { Violation } from '../../common/errors/app-error.js';

// ajv-formats is CommonJS with `exports.default`; seen from ESM that is `.default.default` or `.default`.
type AddFormats = (ajv: Ajv) => Ajv;
const formatsExport = (addFormatsModule as unknown as { default: AddFormats | { default: AddFormats } }).default;
const addFormats: AddFormats = typeof formatsExport === 'function' ? formatsExport : formatsExport.default;

/**
 * One ajv instance for plugin JSON: config schemas written by plugin authors (lenient about
 * unknown keywords such as "title" or UI hints, all errors reported) and the runtime's own result
 * schemas. Compiled validators are cached by schema object.
 */
export class JsonSchemaValidator {
  private readonly ajv: Ajv;
  private readonly cache = new WeakMap<object, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, validateFormats: true });
    addFormats(this.ajv);
  }

  /** Compiles a schema; a schema that does not compile throws with ajv's reason. */
  compile(schema: object): ValidateFunction {
    let validate = this.cache.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.cache.set(schema, validate);
    }
    return validate;
  }

  /** Violations of `value` against `schema`, with `root` naming the value ("config", "send()"). */
  violations(schema: object, value: unknown, root: string): Violation[] {
    const validate = this.compile(schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => toViolation(e, root));
  }
}

function toViolation(error: ErrorObject, root: string): Violation {
  // "/a/b/0" → "config.a.b[0]"; a missing property names the property itself.
  let field = root + error.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
  if (error.keyword === 'required') field += `.${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'additionalProperties') field += `.${(error.params as { additionalProperty: string }).additionalProperty}`;
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const message = error.keyword === 'required' ? 'is required' : error.keyword === 'additionalProperties' ? 'is not allowed' : (error.message ?? 'is invalid');
  return { field, message: allowed ? `${message}: ${allowed.join(', ')}` : message };
}
