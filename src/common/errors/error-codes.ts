/**
 * Every error code the service can answer with, namespaced `<module>.<snake_case>`.
 * Adding a code here without mapping it in error-mapping.ts does not compile.
 */
export const ERROR_CODES = [
  // common
  'common.validation_failed',
  'common.malformed_request',
  'common.payload_too_large',
  'common.not_found',
  'common.not_implemented',
  'common.unavailable',
  'common.internal',
  // auth
  'auth.missing_token',
  'auth.invalid_token',
  'auth.token_expired',
  'auth.permission_denied',
  // plugins
  'plugins.plugin_not_found',
  'plugins.invalid_plugin',
  'plugins.invalid_config',
  'plugins.function_not_found',
  'plugins.timeout',
  'plugins.out_of_memory',
  'plugins.stack_overflow',
  'plugins.result_too_large',
  'plugins.invalid_result',
  'plugins.script_error',
  'plugins.sandbox_crashed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
