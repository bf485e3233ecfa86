import { assertUnreachable, defineErrorTable, errorTransport } from './error-registry.js';

/**
 * The error codes of shared infrastructure: `common.*` (validation, routing, outages) and `auth.*`.
 * Domain modules declare their own codes in `<module>.errors.ts` the same way (see
 * error-registry.ts); src/app.errors.ts composes all of them into the one table.
 */
export const COMMON_ERROR_CODES = [
  'common.validation_failed',
  'common.malformed_request',
  'common.unsupported_media_type',
  'common.unknown_query_parameter',
  'common.method_not_allowed',
  'common.payload_too_large',
  'common.not_found',
  'common.not_implemented',
  'common.unavailable',
  'common.internal',
  'common.introspection_disabled',
] as const;
export type CommonErrorCode = (typeof COMMON_ERROR_CODES)[number];

export const AUTH_ERROR_CODES = ['auth.missing_token', 'auth.invalid_token', 'auth.token_expired', 'auth.permission_denied'] as const;
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

declare module './error-registry.js' {
  interface ErrorCodeRegistry {
    common: CommonErrorCode;
    auth: AuthErrorCode;
  }
}

export const COMMON_ERRORS = defineErrorTable(COMMON_ERROR_CODES, (code) => {
  switch (code) {
    case 'common.validation_failed':
      return errorTransport('INVALID_ARGUMENT', 'BAD_USER_INPUT', 422);
    case 'common.malformed_request':
      return errorTransport('INVALID_ARGUMENT', 'BAD_REQUEST', 400);
    // A REST body sent as something other than application/json (HTTP only: gRPC and GraphQL
    // fix their own encodings).
    case 'common.unsupported_media_type':
      return errorTransport('INVALID_ARGUMENT', 'BAD_REQUEST', 415);
    // REST only, as the OpenAPI document lists each operation's query parameters and methods: a
    // misspelt parameter is refused rather than silently ignored, a known path with another
    // method is 405 with an Allow header (src/common/http/route-contract.middleware.ts).
    case 'common.unknown_query_parameter':
      return errorTransport('INVALID_ARGUMENT', 'BAD_REQUEST', 400);
    case 'common.method_not_allowed':
      return errorTransport('UNIMPLEMENTED', 'BAD_REQUEST', 405);
    case 'common.payload_too_large':
      return errorTransport('RESOURCE_EXHAUSTED', 'BAD_USER_INPUT', 413);
    case 'common.not_found':
      return errorTransport('NOT_FOUND', 'NOT_FOUND', 404);
    case 'common.not_implemented':
      return errorTransport('UNIMPLEMENTED', 'NOT_IMPLEMENTED', 501);
    case 'common.unavailable':
      return errorTransport('UNAVAILABLE', 'SERVICE_UNAVAILABLE', 503);
    case 'common.internal':
      return errorTransport('INTERNAL', 'INTERNAL_SERVER_ERROR', 500);
    // GraphQL only (GRAPHQL_INTROSPECTION off): refused while the query is validated, so Apollo
    // answers it as the validation error it is (HTTP 400). gRPC reflection is not affected.
    case 'common.introspection_disabled':
      return errorTransport('FAILED_PRECONDITION', 'GRAPHQL_VALIDATION_FAILED', 400);
    default:
      return assertUnreachable(code);
  }
});

export const AUTH_ERRORS = defineErrorTable(AUTH_ERROR_CODES, (code) => {
  switch (code) {
    case 'auth.missing_token':
    case 'auth.invalid_token':
    case 'auth.token_expired':
      return errorTransport('UNAUTHENTICATED', 'UNAUTHENTICATED', 401);
    case 'auth.permission_denied':
      return errorTransport('PERMISSION_DENIED', 'FORBIDDEN', 403);
    default:
      return assertUnreachable(code);
  }
});

// Where callers have always imported them from (AppError, the sandbox's wire errors).
export { isErrorCode, type ErrorCode } from './error-registry.js';
