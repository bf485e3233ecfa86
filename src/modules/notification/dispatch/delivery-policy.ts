import { retryDelay, type RetryPolicy } from '../../../common/retry-policy.js';
import type { SendResult } from '../../plugins/plugin-results.js';
import type { RecordStatus } from '../notification.types.js';

/**
 * The dispatcher's retry rhythm (DELIVERY_RETRY_SCHEDULE, DELIVERY_MIN_RETRY_MS), always under
 * full jitter: the shared policy of src/common/retry-policy.ts. Attempts allowed: length + 1.
 */
export type RetrySchedule = Pick<RetryPolicy, 'scheduleMs' | 'minMs'>;

/** What one attempt decided for its record. */
export interface AttemptDecision {
  status: Extract<RecordStatus, 'sent' | 'failed' | 'dead' | 'skipped'>;
  /** For `failed`: wait before the next attempt, ms. */
  retryInMs: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  providerMessageId: string | null;
  retryAfterSeconds: number | null;
}

/**
 * Seed 003's state machine for one finished attempt, pure so it is tested alone. `success` →
 * sent; `skipped` → skipped; `permanent_fail` → dead; `temporary_fail` → failed with the next
 * attempt after the backoff, or dead once `attempt` reached `maxAttempts`.
 *
 * Backoff: exponential by the schedule (default close to 5 s, 30 s, 2 min, 10 min, 30 min, 1 h,
 * 3 h, 6 h) with full jitter — a uniform draw in [0, step] — so a burst of failures does not come
 * back as a burst; never below `minMs` (no hot loop when the draw is near 0), and never before
 * the notifier's retry_after_seconds (the target said when).
 */
export function decideAfterAttempt(result: SendResult, attempt: number, maxAttempts: number, schedule: RetrySchedule, random: () => number): AttemptDecision {
  const base = {
    errorCode: result.error_code ?? null,
    errorMessage: result.error_message ?? null,
    providerMessageId: result.provider_message_id ?? null,
    retryAfterSeconds: result.retry_after_seconds ?? null,
    retryInMs: null,
  };
  switch (result.outcome) {
    case 'success':
      return { ...base, status: 'sent', errorCode: null, errorMessage: null };
    case 'skipped':
      return { ...base, status: 'skipped' };
    case 'permanent_fail':
      return { ...base, status: 'dead' };
    case 'temporary_fail': {
      if (attempt >= maxAttempts) {
        return { ...base, status: 'dead', errorMessage: `${base.errorMessage ?? base.errorCode ?? 'temporary failure'} (gave up after ${attempt} attempts)` };
      }
      return { ...base, status: 'failed', retryInMs: retryDelayMs(attempt, schedule, random, result.retry_after_seconds ?? null) };
    }
  }
}

/** The wait after failed send attempt `attempt` (1-based): the shared policy under full jitter, never before Retry-After. */
export function retryDelayMs(attempt: number, schedule: RetrySchedule, random: () => number, retryAfterSeconds: number | null): number {
  return retryDelay(attempt, { ...schedule, jitter: 'full' }, random, retryAfterSeconds !== null ? retryAfterSeconds * 1_000 : 0);
}

/**
 * A send() that did not answer (the plugin threw, timed out, crashed, or answered off-contract)
 * as an outcome: temporary, so a fixed script or a recovered sandbox gets another try, and
 * attempts still run out. A timeout is seed 003's provider_timeout.
 */
export function failedCallResult(code: string, message: string): SendResult {
  return {
    outcome: 'temporary_fail',
    error_code: code === 'plugins.timeout' ? 'provider_timeout' : 'network_error',
    error_message: `${code === 'plugins.timeout' ? 'send() timed out' : 'send() failed'}: ${message}`.slice(0, 2_000),
  };
}

/**
 * Whether `free` of `limit` slots make a claim worth its transaction while `inFlight` sends run: at
 * least a quarter of them. Claiming for every freed slot cost one claim transaction per delivery
 * under load; waiting for a quarter costs a record a few more completions at most, and nothing
 * when the slots are idle (nothing in flight: any free slot is claimed).
 */
export function worthClaiming(free: number, limit: number, inFlight: number): boolean {
  if (free <= 0) return false;
  return inFlight === 0 || free >= Math.ceil(limit / 4);
}
