import { status } from '@grpc/grpc-js';
import { AppError } from './app-error.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';
import { transportMappingOf } from './error-mapping.js';
import { renderGraphqlError, renderGrpcError, renderHttpError } from './error-renderers.js';
import { normalizeError } from './normalize-error.js';

describe('error mapping', () => {
  it.each(ERROR_CODES.map((code) => [code]))('%s maps to a gRPC status, a GraphQL code and an HTTP status', (code) => {
    const mapping = transportMappingOf(code);
    expect(Object.values(status)).toContain(mapping.grpc);
    expect(mapping.graphql).toMatch(/^[A-Z_]+$/);
    expect(mapping.http).toBeGreaterThanOrEqual(400);
    expect(mapping.http).toBeLessThan(600);
  });

  const expected: [ErrorCode, status, string, number][] = [
    ['common.validation_failed', status.INVALID_ARGUMENT, 'BAD_USER_INPUT', 422],
    ['common.not_found', status.NOT_FOUND, 'NOT_FOUND', 404],
    ['common.not_implemented', status.UNIMPLEMENTED, 'NOT_IMPLEMENTED', 501],
    ['common.internal', status.INTERNAL, 'INTERNAL_SERVER_ERROR', 500],
    ['auth.missing_token', status.UNAUTHENTICATED, 'UNAUTHENTICATED', 401],
    ['auth.invalid_token', status.UNAUTHENTICATED, 'UNAUTHENTICATED', 401],
    ['auth.permission_denied', status.PERMISSION_DENIED, 'FORBIDDEN', 403],
  ];
  it.each(expected)('%s → gRPC %i, GraphQL %s, HTTP %i', (code, grpc, graphql, http) => {
    expect(transportMappingOf(code)).toEqual({ grpc, graphql, http });
  });

  it('renders the seed-002 envelope for HTTP', () => {
    const error = AppError.invalidField('plugin_type', 'must be one of gateway, notifier');
    const { status: httpStatus, body } = renderHttpError(error, 'trace-1234', new Date('2026-01-02T03:04:05Z'));
    expect(httpStatus).toBe(422);
    expect(body).toEqual({
      error: {
        code: 'common.validation_failed',
        message: 'plugin_type: must be one of gateway, notifier',
        details: { violations: [{ field: 'plugin_type', message: 'must be one of gateway, notifier' }] },
      },
      meta: { trace_id: 'trace-1234', timestamp: '2026-01-02T03:04:05.000Z' },
    });
  });

  it('puts the code and trace id in gRPC trailers and the message', () => {
    const rendered = renderGrpcError(new AppError('auth.permission_denied', 'admin only', { permission: 'x' }), 'trace-5678');
    expect(rendered.code).toBe(status.PERMISSION_DENIED);
    expect(rendered.details).toBe('auth.permission_denied: admin only');
    expect(rendered.metadata.get('error-code')).toEqual(['auth.permission_denied']);
    expect(rendered.metadata.get('trace-id')).toEqual(['trace-5678']);
    expect(JSON.parse((rendered.metadata.get('error-details-bin')[0] as Buffer).toString('utf8'))).toEqual({ permission: 'x' });
  });

  it('puts the category and the namespaced code in GraphQL extensions', () => {
    const rendered = renderGraphqlError(new AppError('common.not_found', 'nope'), 'trace-9');
    expect(rendered.extensions).toEqual({ code: 'NOT_FOUND', errorCode: 'common.not_found', details: null, traceId: 'trace-9' });
  });

  it('hides unexpected errors behind common.internal with the trace id, keeping the cause for the log', () => {
    const cause = new Error('duplicate key value violates unique constraint "plugins_pkey" (SELECT * FROM plugins)');
    const { error, unexpected } = normalizeError(cause, 'trace-abc');
    expect(unexpected).toBe(true);
    expect(error.code).toBe('common.internal');
    expect(error.message).toBe('Internal error (trace id trace-abc)');
    expect(error.message).not.toMatch(/SELECT|plugins_pkey/);
    expect(error.cause).toBe(cause);
  });

  it('recognises body-parser failures as client errors', () => {
    expect(normalizeError(Object.assign(new Error('x'), { type: 'entity.parse.failed' }), 't').error.code).toBe('common.malformed_request');
    expect(normalizeError(Object.assign(new Error('x'), { type: 'entity.too.large' }), 't').error.code).toBe('common.payload_too_large');
  });
});
