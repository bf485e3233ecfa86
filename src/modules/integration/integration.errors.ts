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
  'integration.instance_not_found',
  'integration.not_a_provider',
  'integration.interface_disabled',
  'integration.not_upstream',
  'integration.provider_unavailable',
  'integration.provider_refused',
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
    case 'integration.instance_not_found':
      return errorTransport('NOT_FOUND', 'NOT_FOUND', 404);
    case 'integration.display_name_taken':
      return errorTransport('ALREADY_EXISTS', 'CONFLICT', 409);
    case 'integration.no_admin_page':
    case 'integration.not_a_provider':
    case 'integration.interface_disabled':
    case 'integration.not_upstream':
      return errorTransport('FAILED_PRECONDITION', 'FAILED_PRECONDITION', 409);
    // The plugin's message says what the provider refused; like plugins.script_error.
    case 'integration.provider_refused':
      return errorTransport('FAILED_PRECONDITION', 'PLUGIN_FAILED', 502);
    // The provider's target is down, throttled or timed out: worth retrying later. GraphQL says
    // SERVICE_UNAVAILABLE (as gRPC says UNAVAILABLE), so a client tells it from a refusal by
    // extensions.code alone.
    case 'integration.provider_unavailable':
      return errorTransport('UNAVAILABLE', 'SERVICE_UNAVAILABLE', 503);
    default:
      return assertUnreachable(code);
  }
});
