import { currentTraceId } from '../logging/request-context.js';

/**
 * The seed-002 success envelope (docs/rest.md, "Conventions"), used by every REST response that
 * carries a body: `{ data, meta: { request_id, timestamp } }`. `request_id` is the call's trace id
 * — the same id as the `x-trace-id` response header and, on failure, the error envelope's
 * `meta.trace_id` (src/common/errors/error-renderers.ts) — so one id finds the call in the logs
 * either way.
 */
export interface SuccessEnvelope<T> {
  data: T;
  meta: { request_id: string; timestamp: string };
}

/** `now` comes from the injected Clock, so tests control it. */
export function successEnvelope<T>(data: T, now: Date): SuccessEnvelope<T> {
  return { data, meta: { request_id: currentTraceId(), timestamp: now.toISOString() } };
}
