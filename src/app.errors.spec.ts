import { status } from '@grpc/grpc-js';
import { APP_ERROR_TABLES } from './app.errors.js';
import { AppError } from './common/errors/app-error.js';
import { installedErrorCodes, isErrorCode, transportMappingOf, type ErrorCode } from './common/errors/error-registry.js';
import { renderGraphqlError, renderGrpcError, renderHttpError } from './common/errors/error-renderers.js';

interface Expected {
  grpc: status;
  graphql: string;
  http: number;
}

/**
 * Every code on every transport, written out by hand (the table in docs/foundation.md), never
 * derived from the tables under test. Keyed by ErrorCode: a code missing here does not compile.
 */
const EXPECTED = {
  'common.validation_failed': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_USER_INPUT', http: 422 },
  'common.malformed_request': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_REQUEST', http: 400 },
  'common.unsupported_media_type': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_REQUEST', http: 415 },
  'common.unknown_query_parameter': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_REQUEST', http: 400 },
  'common.method_not_allowed': { grpc: status.UNIMPLEMENTED, graphql: 'BAD_REQUEST', http: 405 },
  'common.payload_too_large': { grpc: status.RESOURCE_EXHAUSTED, graphql: 'BAD_USER_INPUT', http: 413 },
  'common.not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'common.not_implemented': { grpc: status.UNIMPLEMENTED, graphql: 'NOT_IMPLEMENTED', http: 501 },
  'common.unavailable': { grpc: status.UNAVAILABLE, graphql: 'SERVICE_UNAVAILABLE', http: 503 },
  'common.internal': { grpc: status.INTERNAL, graphql: 'INTERNAL_SERVER_ERROR', http: 500 },
  'common.introspection_disabled': { grpc: status.FAILED_PRECONDITION, graphql: 'GRAPHQL_VALIDATION_FAILED', http: 400 },
  'auth.missing_token': { grpc: status.UNAUTHENTICATED, graphql: 'UNAUTHENTICATED', http: 401 },
  'auth.invalid_token': { grpc: status.UNAUTHENTICATED, graphql: 'UNAUTHENTICATED', http: 401 },
  'auth.token_expired': { grpc: status.UNAUTHENTICATED, graphql: 'UNAUTHENTICATED', http: 401 },
  'auth.permission_denied': { grpc: status.PERMISSION_DENIED, graphql: 'FORBIDDEN', http: 403 },
  'plugins.plugin_not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'plugins.invalid_plugin': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
  'plugins.invalid_config': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_USER_INPUT', http: 422 },
  'plugins.function_not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'plugins.timeout': { grpc: status.DEADLINE_EXCEEDED, graphql: 'PLUGIN_TIMEOUT', http: 504 },
  'plugins.out_of_memory': { grpc: status.RESOURCE_EXHAUSTED, graphql: 'PLUGIN_FAILED', http: 502 },
  'plugins.stack_overflow': { grpc: status.RESOURCE_EXHAUSTED, graphql: 'PLUGIN_FAILED', http: 502 },
  'plugins.result_too_large': { grpc: status.RESOURCE_EXHAUSTED, graphql: 'PLUGIN_FAILED', http: 502 },
  'plugins.invalid_result': { grpc: status.FAILED_PRECONDITION, graphql: 'PLUGIN_FAILED', http: 502 },
  'plugins.script_error': { grpc: status.FAILED_PRECONDITION, graphql: 'PLUGIN_FAILED', http: 502 },
  'plugins.sandbox_crashed': { grpc: status.UNAVAILABLE, graphql: 'PLUGIN_FAILED', http: 503 },
  'integration.interface_not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'integration.display_name_taken': { grpc: status.ALREADY_EXISTS, graphql: 'CONFLICT', http: 409 },
  'integration.no_admin_page': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
  'integration.action_not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'integration.instance_not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'integration.not_a_provider': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
  'integration.interface_disabled': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
  'integration.not_upstream': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
  'integration.provider_refused': { grpc: status.FAILED_PRECONDITION, graphql: 'PLUGIN_FAILED', http: 502 },
  'integration.provider_unavailable': { grpc: status.UNAVAILABLE, graphql: 'SERVICE_UNAVAILABLE', http: 503 },
  'events.unknown_type': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_USER_INPUT', http: 422 },
  'events.unknown_version': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_USER_INPUT', http: 422 },
  'events.invalid_payload': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_USER_INPUT', http: 422 },
  'events.payload_too_large': { grpc: status.RESOURCE_EXHAUSTED, graphql: 'BAD_USER_INPUT', http: 413 },
  'notif.record_not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'notif.record_not_replayable': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
  'notif.channel_unavailable': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 422 },
  'notif.idempotency_key_reused': { grpc: status.ALREADY_EXISTS, graphql: 'CONFLICT', http: 409 },
  'notif.template_not_found': { grpc: status.NOT_FOUND, graphql: 'NOT_FOUND', http: 404 },
  'notif.template_name_taken': { grpc: status.ALREADY_EXISTS, graphql: 'CONFLICT', http: 409 },
  'notif.template_trigger_taken': { grpc: status.ALREADY_EXISTS, graphql: 'CONFLICT', http: 409 },
  'notif.template_param_missing': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_USER_INPUT', http: 422 },
  'notif.template_too_large': { grpc: status.INVALID_ARGUMENT, graphql: 'BAD_USER_INPUT', http: 422 },
  'notif.event_not_mutable': { grpc: status.FAILED_PRECONDITION, graphql: 'BAD_USER_INPUT', http: 422 },
  'notif.record_not_cancellable': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
  'notif.no_webhook_target': { grpc: status.FAILED_PRECONDITION, graphql: 'FAILED_PRECONDITION', http: 409 },
} satisfies Record<ErrorCode, Expected>;

const ROWS = Object.entries(EXPECTED) as [ErrorCode, Expected][];
const DETAILS = { plugin: 'notifier/webhook', attempt: 2 };

describe('the one error table', () => {
  it('installs exactly the codes pinned here, each once', () => {
    const installed = installedErrorCodes();
    expect(new Set(installed).size).toBe(installed.length);
    expect([...installed].sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(Object.values(APP_ERROR_TABLES).flatMap((table) => [...table.codes]).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(ROWS)('%s maps to the pinned gRPC status, GraphQL code and HTTP status', (code, expected) => {
    expect(transportMappingOf(code)).toEqual(expected);
  });

  it('recognises every code and nothing else', () => {
    for (const [code] of ROWS) expect(isErrorCode(code)).toBe(true);
    for (const value of ['plugins.nope', 'plugins', 'common.', '', 'COMMON.INTERNAL', 42, null, undefined, { code: 'common.internal' }]) {
      expect(isErrorCode(value)).toBe(false);
    }
  });
});

describe('rendering every code', () => {
  it.each(ROWS)('gRPC: %s answers its status with the code in the message and the error-code trailer', (code, expected) => {
    const rendered = renderGrpcError(new AppError(code, 'it failed', DETAILS), 'trace-grpc-1');
    expect(rendered.code).toBe(expected.grpc);
    expect(rendered.details).toBe(`${code}: it failed`);
    expect(rendered.message).toBe(`${code}: it failed`);
    expect(rendered.metadata.get('error-code')).toEqual([code]);
    expect(rendered.metadata.get('trace-id')).toEqual(['trace-grpc-1']);
    expect(JSON.parse((rendered.metadata.get('error-details-bin')[0] as Buffer).toString('utf8'))).toEqual(DETAILS);
  });

  it.each(ROWS)('GraphQL: %s answers its extensions.code with the namespaced errorCode', (code, expected) => {
    const rendered = renderGraphqlError(new AppError(code, 'it failed', DETAILS), 'trace-gql-1');
    expect(rendered.message).toBe('it failed');
    expect(rendered.extensions).toEqual({ code: expected.graphql, errorCode: code, details: DETAILS, traceId: 'trace-gql-1' });
  });

  it.each(ROWS)('HTTP: %s answers its status with the seed-002 envelope', (code, expected) => {
    const rendered = renderHttpError(new AppError(code, 'it failed', DETAILS), 'trace-http-1', new Date('2026-01-02T03:04:05Z'));
    expect(rendered.status).toBe(expected.http);
    expect(rendered.body).toEqual({
      error: { code, message: 'it failed', details: DETAILS },
      meta: { trace_id: 'trace-http-1', timestamp: '2026-01-02T03:04:05.000Z' },
    });
  });
});
