import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { Caller } from '../auth/caller.js';

/**
 * Per-call context carried through async code: the trace id that ties log lines, error responses
 * and (later) outbox events of one call together, on every transport.
 */
export interface RequestContext {
  traceId: string;
  transport: 'grpc' | 'http' | 'graphql' | 'internal';
  /** e.g. "rustbill.integration.IntegrationService/ListPlugins", "GET /health", "query me" */
  operation: string;
  startedAt: number;
  /** Set by the auth guard once the bearer token is verified. */
  caller?: Caller;
}

const storage = new AsyncLocalStorage<RequestContext>();

const TRACE_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** A caller-supplied trace id is kept when it looks like one; otherwise a new one is made. */
export function acceptOrCreateTraceId(candidate: unknown): string {
  if (typeof candidate === 'string' && TRACE_ID.test(candidate)) return candidate;
  return newTraceId();
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current trace id, or a fresh one for work outside any call. */
export function currentTraceId(): string {
  return storage.getStore()?.traceId ?? newTraceId();
}
