import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { GraphQLFormattedError } from 'graphql';
import type { Request } from 'express';
import { AppError } from '../errors/app-error.js';
import { renderGraphqlError } from '../errors/error-renderers.js';
import { normalizeError } from '../errors/normalize-error.js';
import { currentTraceId } from '../logging/request-context.js';
import { anonymousBudgetPlugin, budgetRules, type OperationBudget } from './anonymous-budget.js';
import { noIntrospection } from './introspection.rule.js';

export interface GraphqlContext {
  req: Request;
}

export interface GraphqlSettings {
  /** GRAPHQL_INTROSPECTION: false refuses `__schema` / `__type` with common.introspection_disabled. */
  introspection: boolean;
}

/**
 * Code-first Apollo at /graphql. Nest's landing page is off (it loads GraphiQL from a CDN); the
 * offline playground is served by playground.ts. The schema is built in memory; src/schema.gql is
 * the committed copy, checked for drift by `npm run schema:check`. Apollo's CSRF prevention is on
 * (its default); formatGraphqlError only rewrites its message into a hint.
 */
export function graphqlOptions(settings: GraphqlSettings, isValidToken: (token: string) => Promise<boolean>): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    graphiql: false,
    // Apollo's own switch stays on: when introspection is off, our rule refuses it with our code.
    introspection: true,
    // Before execution, for every caller (with or without a token): tokens (graphql-js stops
    // parsing at the limit), depth, aliases and cost (graphql-armor's rules; introspection is exempt
    // from depth and cost, the playground needs it); then the tighter budget of a caller without a
    // valid token. The document's size is bounded first by HTTP_MAX_BODY_BYTES. Over a limit:
    // common.validation_failed.
    parseOptions: { maxTokens: GRAPHQL_LIMITS.tokens },
    validationRules: [...budgetRules(GRAPHQL_LIMITS), ...(settings.introspection ? [] : [noIntrospection])],
    plugins: [anonymousBudgetPlugin(ANONYMOUS_GRAPHQL_LIMITS, isValidToken)],
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    context: ({ req }: { req: Request }): GraphqlContext => ({ req }),
    formatError: formatGraphqlError,
  };
}

/** docs/foundation.md, "GraphQL": the figures and why. */
export const GRAPHQL_LIMITS: OperationBudget = { depth: 10, aliases: 30, cost: 5_000, tokens: 10_000 };

/** A caller without a valid token reaches only serverInfo and introspection (183 tokens). */
export const ANONYMOUS_GRAPHQL_LIMITS: OperationBudget = { depth: 6, aliases: 5, cost: 500, tokens: 1_000 };

/**
 * Errors rendered by AllExceptionsFilter already carry `errorCode` and `traceId`. The rest come
 * from Apollo and graphql-js before any resolver runs (syntax, unknown field, bad variable): they are
 * client mistakes and get common.validation_failed. A field resolver's error does not pass the
 * filter (Nest applies no filter to @ResolveField): one saying the database is away is
 * common.unavailable, as normalizeError has it. Anything else is masked as internal.
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const extensions = { ...(formatted.extensions ?? {}) };
  delete extensions.stacktrace;
  if (typeof extensions.errorCode === 'string') return { ...formatted, extensions };

  const code = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
  const traceId = currentTraceId();
  // Read, not instanceof: Apollo's graphql-js may be another copy of the module than this file's.
  const original = typeof error === 'object' && error !== null ? (error as { originalError?: unknown }).originalError : undefined;
  if (original !== undefined && !(original instanceof AppError)) {
    const normalized = normalizeError(original, traceId);
    if (normalized.outage) {
      const rendered = renderGraphqlError(normalized.error, traceId).toJSON();
      return { ...rendered, locations: formatted.locations, path: formatted.path };
    }
  }
  if (code === 'BAD_REQUEST' && formatted.message.startsWith(APOLLO_CSRF_MESSAGE)) {
    return renderGraphqlError(new AppError('common.malformed_request', CSRF_HINT), traceId).toJSON();
  }
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

/**
 * How Apollo's CSRF prevention words its refusal (@apollo/server, preventCsrf.js): a request with
 * no content type, or a form/text one, and no `apollo-require-preflight` / `x-apollo-operation-name`
 * header. That is plain `curl localhost:3000/graphql`, and `curl -d` (a form content type) too.
 * Matched on the text, as Apollo exports no class for it; test/graphql.e2e-spec.ts notices a change.
 */
const APOLLO_CSRF_MESSAGE = 'This operation has been blocked as a potential Cross-Site Request Forgery';

const CSRF_HINT =
  'Refused by CSRF prevention: send the query as JSON with the header "content-type: application/json" ' +
  '(POST, body {"query": "{ serverInfo { name } }"}), or for a GET /graphql?query=... the header "apollo-require-preflight: true". ' +
  'In a browser, open /graphql for the playground.';

const CLIENT_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);
