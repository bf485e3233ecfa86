import { createServer, type AddressInfo } from 'node:net';
import { status, type Metadata } from '@grpc/grpc-js';
import type { ArgumentsHost } from '@nestjs/common';
import { GraphQLError, locatedError } from 'graphql';
import pg from 'pg';
import { lastValueFrom, type Observable } from 'rxjs';
import { formatGraphqlError } from '../graphql/graphql-options.js';
import { createLogger } from '../logging/logger.js';
import { runWithContext, type RequestContext } from '../logging/request-context.js';
import type { CallMetrics } from '../metrics/call-metrics.js';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from './error-renderers.js';

/**
 * The database going away, as every transport answers and the log says it: the error is the
 * real one node-postgres gives for a closed port, from a URL that carries a password.
 */

const PASSWORD = 'pw-in-the-database-url-7c21';

async function refusedConnection(): Promise<Error> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const client = new pg.Client({ connectionString: `postgres://switchboard:${PASSWORD}@127.0.0.1:${port}/switchboard` });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    return err as Error;
  }
  throw new Error(`port ${port} accepted a connection`);
}

interface FakeResponse {
  headersSent: boolean;
  statusCode?: number;
  headers: Record<string, string>;
  body?: unknown;
  status(code: number): FakeResponse;
  setHeader(name: string, value: string): FakeResponse;
  set(headers: Record<string, string>): FakeResponse;
  json(body: unknown): FakeResponse;
}

function fakeResponse(): FakeResponse {
  return {
    headersSent: false,
    headers: {},
    status(code) {
      this.statusCode = code;
      return this;
    },
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = value;
      return this;
    },
    set(headers) {
      for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
      return this;
    },
    json(body) {
      this.body = body;
      return this;
    },
  };
}

function hostOf(type: 'http' | 'rpc' | 'graphql', response?: FakeResponse): ArgumentsHost {
  return { getType: () => type, switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
}

function setUp() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = createLogger('info', { write: (line: string) => (raw.push(line), lines.push(JSON.parse(line) as Record<string, unknown>)) });
  const failed: string[] = [];
  const calls = { failed: (_host: unknown, _context: unknown, code: string) => failed.push(code) } as unknown as CallMetrics;
  return { filter: new AllExceptionsFilter(logger, calls), lines, raw, failed };
}

const context = (traceId: string, transport: RequestContext['transport']): RequestContext => ({ traceId, transport, operation: 'POST /events', startedAt: Date.now() });

describe('AllExceptionsFilter, the database away', () => {
  let refused: Error;
  beforeAll(async () => {
    refused = await refusedConnection();
  });

  it('REST: 503 common.unavailable with Retry-After and the trace id; one warning line, no stack, no password anywhere', () => {
    const { filter, lines, raw, failed } = setUp();
    const response = fakeResponse();
    runWithContext(context('trace-db-away-1', 'http'), () => filter.catch(refused, hostOf('http', response)));
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe(String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    expect(response.headers['x-trace-id']).toBe('trace-db-away-1');
    expect(response.body).toEqual({
      error: { code: 'common.unavailable', message: 'The database is unavailable; retry shortly (trace id trace-db-away-1)', details: null },
      meta: { trace_id: 'trace-db-away-1', timestamp: expect.any(String) },
    });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'call refused: the database is unavailable', code: 'common.unavailable', reason: 'ECONNREFUSED', trace_id: 'trace-db-away-1' }),
    ]);
    expect(lines[0]).not.toHaveProperty('err');
    expect(raw.join('')).not.toMatch(/stack|at .*\.js|127\.0\.0\.1/);
    expect(JSON.stringify(response.body) + raw.join('')).not.toContain(PASSWORD);
    expect(failed).toEqual(['common.unavailable']);
  });

  it('gRPC: UNAVAILABLE with the error-code and trace-id trailers', async () => {
    const { filter, lines } = setUp();
    const result = runWithContext(context('trace-db-away-2', 'grpc'), () => filter.catch(refused, hostOf('rpc'))) as Observable<never>;
    const error = (await lastValueFrom(result).catch((err: unknown) => err)) as { code: number; details: string; metadata: Metadata };
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.metadata.get('error-code')).toEqual(['common.unavailable']);
    expect(error.metadata.get('trace-id')).toEqual(['trace-db-away-2']);
    expect(error.details).not.toContain(PASSWORD);
    expect(lines.map((l) => l.level)).toEqual(['warn']);
  });

  it('GraphQL: SERVICE_UNAVAILABLE with errorCode common.unavailable, from a resolver and from a field resolver (which no filter sees)', () => {
    const { filter } = setUp();
    const rendered = runWithContext(context('trace-db-away-3', 'graphql'), () => filter.catch(refused, hostOf('graphql'))) as GraphQLError;
    expect(rendered.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', errorCode: 'common.unavailable', details: null, traceId: 'trace-db-away-3' });

    // What graphql-js makes of an error thrown by a @ResolveField method (locatedError), as Apollo
    // hands it to formatError. Built as locatedError builds it: under Jest, node's own errors come
    // from another realm than the test's Error, and locatedError would take this one for a non-error.
    const located = new GraphQLError(refused.message, { path: ['templates', 0, 'versions'], originalError: refused });
    const formatted = runWithContext(context('trace-db-away-4', 'graphql'), () => formatGraphqlError(located.toJSON(), located));
    expect(formatted).toEqual({
      message: 'The database is unavailable; retry shortly (trace id trace-db-away-4)',
      path: ['templates', 0, 'versions'],
      extensions: { code: 'SERVICE_UNAVAILABLE', errorCode: 'common.unavailable', details: null, traceId: 'trace-db-away-4' },
    });
    expect(JSON.stringify(formatted)).not.toContain(PASSWORD);
    // Any other field resolver error is still masked as internal.
    const crash = locatedError(new Error('boom'), undefined, ['templates', 0, 'versions']);
    expect(runWithContext(context('trace-5', 'graphql'), () => formatGraphqlError(crash.toJSON(), crash)).extensions).toMatchObject({ errorCode: 'common.internal' });
  });

  it('a bug is still an error line with its stack and 500 common.internal, without Retry-After', () => {
    const { filter, lines } = setUp();
    const response = fakeResponse();
    runWithContext(context('trace-bug', 'http'), () => filter.catch(new TypeError('x is undefined'), hostOf('http', response)));
    expect(response.statusCode).toBe(500);
    expect(response.headers).not.toHaveProperty('retry-after');
    expect(lines).toEqual([expect.objectContaining({ level: 'error', code: 'common.internal', err: expect.objectContaining({ stack: expect.any(String) }) })]);
  });
});
