import { status } from '@grpc/grpc-js';
import { AppError } from './app-error.js';
import { ErrorRegistry, defineErrorTable, errorTransport, type ErrorTable } from './error-registry.js';
import { renderGraphqlError, renderGrpcError, renderHttpError } from './error-renderers.js';
import { normalizeError } from './normalize-error.js';

// Every code on every transport is pinned by src/app.errors.spec.ts (the composed table); this spec
// covers the mechanism with made-up namespaces, the renderers' details and the normalisation.
const SHOP = defineErrorTable(['shop.out_of_stock', 'shop.closed'], (code) =>
  code === 'shop.closed' ? errorTransport('UNAVAILABLE', 'SERVICE_UNAVAILABLE', 503) : errorTransport('FAILED_PRECONDITION', 'OUT_OF_STOCK', 409),
);

describe('ErrorRegistry', () => {
  it('resolves each code to its gRPC status number, GraphQL code and HTTP status', () => {
    const registry = new ErrorRegistry();
    registry.install({ shop: SHOP });
    expect(registry.codes()).toEqual(['shop.out_of_stock', 'shop.closed']);
    expect(registry.mappingOf('shop.out_of_stock')).toEqual({ grpc: status.FAILED_PRECONDITION, graphql: 'OUT_OF_STOCK', http: 409 });
    expect(registry.mappingOf('shop.closed')).toEqual({ grpc: status.UNAVAILABLE, graphql: 'SERVICE_UNAVAILABLE', http: 503 });
    expect(registry.has('shop.closed')).toBe(true);
    expect(registry.has('shop.open')).toBe(false);
    expect(() => registry.mappingOf('shop.open')).toThrow('error code shop.open is not in the installed error tables');
  });

  it('refuses to answer before the tables are installed', () => {
    const registry = new ErrorRegistry();
    expect(() => registry.has('common.internal')).toThrow(/not installed/);
    expect(() => registry.mappingOf('common.internal')).toThrow(/not installed/);
    expect(() => registry.codes()).toThrow(/not installed/);
  });

  it('accepts the same tables twice and refuses a second composition', () => {
    const registry = new ErrorRegistry();
    const tables = { shop: SHOP };
    registry.install(tables);
    expect(() => registry.install(tables)).not.toThrow();
    expect(() => registry.install({ shop: SHOP })).toThrow(/already installed/);
  });

  it.each<[string, Record<string, ErrorTable>, RegExp]>([
    ['a code outside its namespace', { shop: defineErrorTable(['store.closed'], () => errorTransport('UNAVAILABLE', 'X', 503)) }, /store.closed is listed in the shop table/],
    ['a code listed twice', { shop: defineErrorTable(['shop.closed', 'shop.closed'], () => errorTransport('UNAVAILABLE', 'X', 503)) }, /shop.closed is listed twice/],
    ['an unknown gRPC status', { shop: defineErrorTable(['shop.closed'], () => ({ grpc: 'GONE' as never, graphql: 'X', http: 410 })) }, /unknown gRPC status GONE/],
  ])('refuses %s', (_what, tables, message) => {
    expect(() => new ErrorRegistry().install(tables)).toThrow(message);
  });
});

describe('error rendering and normalisation', () => {
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
