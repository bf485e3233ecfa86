import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { AppError } from '../errors/app-error.js';
import { addFormats, violationsOf } from './json-schema.js';

/** A JSON Schema (2020-12, the dialect OpenAPI 3.1 uses), as plain data. */
export type JsonSchema = Record<string, unknown>;

/**
 * One request command's wire shape as a JSON Schema: the single definition its REST validator
 * runs (ajv, every field checked, every violation reported at once) and the OpenAPI document
 * publishes, so the two cannot drift. The limits in it come from the same constants the services
 * enforce on every transport; what needs the database or the clock (a unique name, a time in the
 * future) stays the service's.
 */
export interface Command<T> {
  readonly name: string;
  readonly schema: JsonSchema;
  /** The value itself, typed, when it matches; else 422 `common.validation_failed` naming each field. */
  parse(value: unknown): T;
}

const MAX_VIOLATIONS = 20;

// strict: a misspelt keyword in a command schema is a boot error, not a rule silently not applied.
const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }));

export function defineCommand<T>(name: string, schema: JsonSchema): Command<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    name,
    schema,
    parse(value: unknown): T {
      const violations = violationsOf(validate, value, '');
      if (violations.length > 0) throw AppError.validation(dedupe(violations).slice(0, MAX_VIOLATIONS));
      return value as T;
    },
  };
}

/** One violation per field (the first): `null` for an enum of strings fails both `type` and `enum`. */
function dedupe<V extends { field: string; message: string }>(list: V[]): V[] {
  const seen = new Set<string>();
  return list.filter((v) => {
    const key = v.field;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
