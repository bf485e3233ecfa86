import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import * as addFormatsModule from 'ajv-formats';
import type { Violation } from '../errors/app-error.js';

// ajv-formats is CommonJS with `exports.default`; seen from ESM that is `.default.default` or `.default`.
type AddFormats = (ajv: Ajv) => Ajv;
const formatsExport = (addFormatsModule as unknown as { default: AddFormats | { default: AddFormats } }).default;

/** ajv-formats' `addFormats`, callable from ESM. */
export const addFormats: AddFormats = typeof formatsExport === 'function' ? formatsExport : formatsExport.default;

/** The violations of `value` against a compiled schema, each field named from `root` ("config.a.b[0]"). */
export function violationsOf(validate: ValidateFunction, value: unknown, root: string): Violation[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => toViolation(e, root));
}

function toViolation(error: ErrorObject, root: string): Violation {
  // "/a/b/0" → "config.a.b[0]"; a missing property names the property itself.
  let field = root + error.instancePath.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
  if (error.keyword === 'required') field += `.${(error.params as { missingProperty: string }).missingProperty}`;
  if (error.keyword === 'additionalProperties') field += `.${(error.params as { additionalProperty: string }).additionalProperty}`;
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const message = error.keyword === 'required' ? 'is required' : error.keyword === 'additionalProperties' ? 'is not allowed' : (error.message ?? 'is invalid');
  if (field.startsWith('.')) field = field.slice(1);
  return { field: field || 'body', message: allowed ? `${message}: ${allowed.map(String).join(', ')}` : message };
}
