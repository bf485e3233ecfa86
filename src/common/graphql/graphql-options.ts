import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { GraphQLFormattedError } from 'graphql';
import type { Request } from 'express';
import { currentTraceId } from '../logging/request-context.js';

export interface GraphqlContext {
  req: Request;
}

/**
 * Code-first Apollo at /graphql. Nest's landing page is off (it loads GraphiQL from a CDN); the
 * offline playground is served by playground.ts. The schema is built in memory; src/schema.gql is
 * the committed copy, checked for drift by `npm run schema:check`.
 */
export function graphqlOptions(): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    context: ({ req }: { req: Request }): GraphqlContext => ({ req }),
    formatError: formatGraphqlError,
  };
}

/**
 * Errors rendered by AllExceptionsFilter already carry `errorCode` and `traceId`. The rest come
 * from Apollo and graphql-js before any resolver runs (syntax, unknown field, bad variable): they are
 * client mistakes and get common.validation_failed. Anything else is masked as internal.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = { ...(formatted.extensions ?? {}) };
  delete extensions.stacktrace;
  if (typeof extensions.errorCode === 'string') return { ...formatted, extensions };

  const code = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
  const traceId = currentTraceId();
  if (CLIENT_ERROR_CODES.has(code)) {
    return { ...formatted, extensions: { ...extensions, code, errorCode: 'common.validation_failed', traceId } };
  }
  return {
    message: `Internal error (trace id ${traceId})`,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', errorCode: 'common.internal', traceId },
  };
}

const CLIENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);
