import { assertUnreachable, defineErrorTable, errorTransport } from '../../common/errors/error-registry.js';

/**
 * The plugins module's error codes and how each surfaces on the transports. The codes join
 * `ErrorCode` by declaration merging (so `new AppError('plugins.timeout', ...)` type-checks anywhere);
 * the table joins the one error table in src/app.errors.ts.
 */
export const PLUGINS_ERROR_CODES = [
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
export type PluginsErrorCode = (typeof PLUGINS_ERROR_CODES)[number];

declare module '../../common/errors/error-registry.js' {
  interface ErrorCodeRegistry {
    plugins: PluginsErrorCode;
  }
}

export const PLUGINS_ERRORS = defineErrorTable(PLUGINS_ERROR_CODES, (code) => {
  switch (code) {
    case 'plugins.plugin_not_found':
    case 'plugins.function_not_found':
      return errorTransport('NOT_FOUND', 'NOT_FOUND', 404);
    case 'plugins.invalid_config':
      return errorTransport('INVALID_ARGUMENT', 'BAD_USER_INPUT', 422);
    case 'plugins.invalid_plugin':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 409);
    // A plugin call that failed is the plugin's (or its target's) failure, not the caller's and not
    // a server bug: 502/504 on HTTP, like a gateway whose upstream failed.
    case 'plugins.timeout':
      return errorTransport('DEADLINE_EXCEEDED', 'PLUGIN_TIMEOUT', 504);
    case 'plugins.out_of_memory':
    case 'plugins.stack_overflow':
    case 'plugins.result_too_large':
      return errorTransport('RESOURCE_EXHAUSTED', 'PLUGIN_FAILED', 502);
    case 'plugins.invalid_result':
    case 'plugins.script_error':
      return errorTransport('FAILED_PRECONDITION', 'PLUGIN_FAILED', 502);
    case 'plugins.sandbox_crashed':
      return errorTransport('UNAVAILABLE', 'PLUGIN_FAILED', 503);
    default:
      return assertUnreachable(code);
  }
});
