import { AppError } from '../../common/errors/app-error.js';
import type { JsonSchemaValidator } from './json-schema-validator.js';
import { isContractFunction, RESULT_SCHEMAS } from './plugin-results.js';

/**
 * Checks what a contract function returned against its schema (plugin-results.ts); admin_* and
 * other non-contract functions may return any JSON. A wrong shape is plugins.invalid_result naming
 * the plugin, the function and each offending field.
 */
export function assertContractResult(schemas: JsonSchemaValidator, label: string, fn: string, result: unknown): void {
  if (!isContractFunction(fn)) return;
  const violations = schemas.ownViolations(RESULT_SCHEMAS[fn], result, `${fn}()`);
  if (violations.length > 0) {
    throw new AppError(
      'plugins.invalid_result',
      `Plugin ${label} returned an invalid result from ${fn}(): ${violations.map((v) => `${v.field} ${v.message}`).join('; ')}`,
      { function: fn, violations },
    );
  }
}

/** Keys that, as own properties of a result, change prototypes when the host merges the result in. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/**
 * `value` (a plugin result fresh from JSON.parse) without own `__proto__`, `constructor` or
 * `prototype` keys, at any depth. JSON.parse makes `{"__proto__": {...}}` an own data property,
 * which passes every schema check and then swaps the prototype of whatever the host
 * `Object.assign`s it into. They are removed rather than refused: no contract result has a field by
 * those names, and free-form parts (product specs, admin_* results) often relay upstream JSON
 * verbatim, where failing the whole call over a key nobody reads would do more harm than dropping
 * it. Iterative (results may nest deeper than the call stack) and in place (the value is the
 * host's own fresh copy); returns `value`.
 */
export function sanitizeResult(value: unknown): unknown {
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of PROTOTYPE_KEYS) if (Object.prototype.hasOwnProperty.call(record, key)) delete record[key];
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return value;
}
