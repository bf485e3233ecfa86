import { AppError } from '../../common/errors/app-error.js';
import type { JsonSchemaValidator } from './json-schema.js';
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
