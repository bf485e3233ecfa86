import { assertUnreachable, defineErrorTable, errorTransport } from '../../common/errors/error-registry.js';

/**
 * The integration module's error codes and how each surfaces on the transports (joined into the
 * one table in src/app.errors.ts). A plugin definition that is unknown, removed or invalid is
 * `plugins.plugin_not_found`, the plugins module's code.
 */
export const INTEGRATION_ERROR_CODES = [
  'integration.interface_not_found',
  'integration.display_name_taken',
  'integration.no_admin_page',
  'integration.action_not_found',
] as const;
export type IntegrationErrorCode = (typeof INTEGRATION_ERROR_CODES)[number];

declare module '../../common/errors/error-registry.js' {
  interface ErrorCodeRegistry {
    integration: IntegrationErrorCode;
  }
}

export const INTEGRATION_ERRORS = defineErrorTable(INTEGRATION_ERROR_CODES, (code) => {
  switch (code) {
    case 'integration.interface_not_found':
    case 'integration.action_not_found':
      return errorTransport('NOT_FOUND', 'NOT_FOUND', 404);
    case 'integration.display_name_taken':
      return errorTransport('ALREADY_EXISTS', 'CONFLICT', 409);
    case 'integration.no_admin_page':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 409);
    default:
      return assertUnreachable(code);
  }
});
