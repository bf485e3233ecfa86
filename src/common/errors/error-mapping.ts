import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorCode } from './error-codes.js';

/** How one error code surfaces on each transport. */
export interface TransportErrorMapping {
  grpc: GrpcStatus;
  /** GraphQL `extensions.code`: the category a GraphQL client switches on (Apollo's names). */
  graphql: string;
  http: number;
}

function map(grpc: GrpcStatus, graphql: string, http: number): TransportErrorMapping {
  return { grpc, graphql, http };
}

/**
 * The only place that knows gRPC, GraphQL and HTTP error codes. The switch is exhaustive:
 * a code added to ERROR_CODES without a case here is a compile error.
 */
export function transportMappingOf(code: ErrorCode): TransportErrorMapping {
  switch (code) {
    case 'common.validation_failed':
      return map(GrpcStatus.INVALID_ARGUMENT, 'BAD_USER_INPUT', 422);
    case 'common.malformed_request':
      return map(GrpcStatus.INVALID_ARGUMENT, 'BAD_REQUEST', 400);
    case 'common.payload_too_large':
      return map(GrpcStatus.RESOURCE_EXHAUSTED, 'BAD_USER_INPUT', 413);
    case 'common.not_found':
      return map(GrpcStatus.NOT_FOUND, 'NOT_FOUND', 404);
    case 'common.not_implemented':
      return map(GrpcStatus.UNIMPLEMENTED, 'NOT_IMPLEMENTED', 501);
    case 'common.unavailable':
      return map(GrpcStatus.UNAVAILABLE, 'SERVICE_UNAVAILABLE', 503);
    case 'common.internal':
      return map(GrpcStatus.INTERNAL, 'INTERNAL_SERVER_ERROR', 500);
    case 'auth.missing_token':
    case 'auth.invalid_token':
    case 'auth.token_expired':
      return map(GrpcStatus.UNAUTHENTICATED, 'UNAUTHENTICATED', 401);
    case 'auth.permission_denied':
      return map(GrpcStatus.PERMISSION_DENIED, 'FORBIDDEN', 403);
    case 'plugins.plugin_not_found':
      return map(GrpcStatus.NOT_FOUND, 'NOT_FOUND', 404);
    case 'plugins.function_not_found':
      return map(GrpcStatus.NOT_FOUND, 'NOT_FOUND', 404);
    case 'plugins.invalid_config':
      return map(GrpcStatus.INVALID_ARGUMENT, 'BAD_USER_INPUT', 422);
    case 'plugins.invalid_plugin':
      return map(GrpcStatus.FAILED_PRECONDITION, 'FAILED_PRECONDITION', 409);
    // A plugin call that failed is the plugin's (or its target's) failure, not the caller's and not
    // a server bug: 502/504 on HTTP, like a gateway whose upstream failed.
    case 'plugins.timeout':
      return map(GrpcStatus.DEADLINE_EXCEEDED, 'PLUGIN_TIMEOUT', 504);
    case 'plugins.out_of_memory':
    case 'plugins.stack_overflow':
    case 'plugins.result_too_large':
      return map(GrpcStatus.RESOURCE_EXHAUSTED, 'PLUGIN_FAILED', 502);
    case 'plugins.invalid_result':
    case 'plugins.script_error':
      return map(GrpcStatus.FAILED_PRECONDITION, 'PLUGIN_FAILED', 502);
    case 'plugins.sandbox_crashed':
      return map(GrpcStatus.UNAVAILABLE, 'PLUGIN_FAILED', 503);
    default:
      return assertUnreachable(code);
  }
}

export function assertUnreachable(value: never): never {
  throw new Error(`unmapped value: ${String(value)}`);
}
