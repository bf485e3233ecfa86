import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
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

/** Which call a piece of work serves, for log lines written where the context cannot follow (a worker thread). */
export type CallOrigin = Pick<RequestContext, 'transport' | 'operation'>;

const storage = new AsyncLocalStorage<RequestContext>();

const TRACE_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** A caller-supplied trace id is kept when it looks like one; otherwise a new one is made. */
export function acceptOrCreateTraceId(candidate: unknown): string {
  if (typeof candidate === 'string' && TRACE_ID.test(candidate)) return candidate;
  return newTraceId();
}

// Trace ids come from a pool of random bytes refilled 256 ids at a time (one call into the
// CSPRNG instead of one per call); each id still uses 16 bytes no other id uses.
const ID_BYTES = 16;
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

export function newTraceId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('hex', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
}

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The transport and operation of the current call, or null outside any call. */
export function currentOrigin(): CallOrigin | null {
  const context = storage.getStore();
  return context ? { transport: context.transport, operation: context.operation } : null;
}

/**
 * Runs `fn` with no call context. For long-lived resources created during a call (a worker
 * thread, its message port): their callbacks would otherwise run, for their whole life, in the
 * context of whichever call happened to create them, and every log line they write would name it.
 */
export function outsideAnyContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** The current trace id, or a fresh one for work outside any call. */
export function currentTraceId(): string {
  return storage.getStore()?.traceId ?? newTraceId();
}
