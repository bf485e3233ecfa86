import { Metadata } from '@grpc/grpc-js';
import { GraphQLError } from 'graphql';
import type { AppError } from './app-error.js';
import { transportMappingOf } from './error-registry.js';

/** The seed-002 error envelope, used by every REST response that is an error (docs/foundation.md, "One error model"). */
export interface ErrorEnvelope {
  error: { code: string; message: string; details: Record<string, unknown> | null };
  meta: { trace_id: string; timestamp: string };
}

/**
 * The `Retry-After` of every REST `common.unavailable` (503): the seconds a client should wait
 * before trying again. Short, as the app reconnects by itself the moment the database is back (the
 * pool opens connections as calls need them); a client with a backoff of its own may wait longer.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export function renderHttpError(
  error: AppError,
  traceId: string,
  now = new Date(),
): { status: number; body: ErrorEnvelope; headers: Record<string, string> } {
  return {
    status: transportMappingOf(error.code).http,
    body: {
      error: { code: error.code, message: error.message, details: error.details },
      meta: { trace_id: traceId, timestamp: now.toISOString() },
    },
    headers: error.code === 'common.unavailable' ? { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } : {},
  };
}

/** What grpc-js accepts as a call error: status code, text, and trailing metadata. */
export interface GrpcErrorObject {
  code: number;
  details: string;
  message: string;
  metadata: Metadata;
}

/**
 * gRPC status plus trailers: `error-code` (the namespaced code), `trace-id`, and when there are
 * details, `error-details-bin` (UTF-8 JSON). The message starts with the code so grpcurl users see it.
 */
export function renderGrpcError(error: AppError, traceId: string): GrpcErrorObject {
  const metadata = new Metadata();
  metadata.set('error-code', error.code);
  metadata.set('trace-id', traceId);
  if (error.details) metadata.set('error-details-bin', Buffer.from(JSON.stringify(error.details), 'utf8'));
  const text = `${error.code}: ${error.message}`;
  return { code: transportMappingOf(error.code).grpc, details: text, message: text, metadata };
}

export function renderGraphqlError(error: AppError, traceId: string): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: transportMappingOf(error.code).graphql,
      errorCode: error.code,
      details: error.details,
      traceId,
    },
  });
}
