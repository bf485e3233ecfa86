/**
 * How long to wait after a failed attempt: the one retry-delay policy of the outbox relay (an
 * event whose planning failed) and the dispatcher (a send that failed temporarily). Pure, the
 * randomness passed in, so it is tested alone; each caller keeps its own attempts and its own
 * "gave up after" rule.
 *
 * The wait before retry n is step n of the schedule (the last step once n is past its end), drawn
 * uniformly in [0, step] under full jitter (a burst of failures does not come back as a burst),
 * never below `minMs` (no hot loop when the draw is near 0), and never before `notBeforeMs` (a
 * target's Retry-After: it said when).
 */
export interface RetryPolicy {
  /** Wait before retry n (1-based), ms; retries past the end wait the last step. */
  readonly scheduleMs: readonly number[];
  /** No retry sooner than this, whatever the jitter drew. */
  readonly minMs: number;
  /** `full`: a uniform draw in [0, step]; `none`: the step itself. */
  readonly jitter: 'full' | 'none';
}

/** The wait after failed attempt `attempt` (1-based), ms. `random` draws in [0, 1) (used under full jitter only). */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number, notBeforeMs = 0): number {
  const steps = policy.scheduleMs;
  const step = steps[Math.min(attempt, steps.length) - 1] ?? steps[steps.length - 1] ?? 0;
  const drawn = policy.jitter === 'full' ? Math.floor(random() * step) : step;
  return Math.max(policy.minMs, drawn, notBeforeMs);
}

/**
 * An exponential schedule: `baseMs` (above 0), twice that, four times … each step capped at
 * `maxMs`, ending at the first that reaches it (retries past the end wait `maxMs`).
 */
export function doublingSchedule(baseMs: number, maxMs: number): number[] {
  if (!(baseMs > 0)) throw new RangeError(`doublingSchedule: baseMs must be above 0, got ${baseMs}`);
  const steps: number[] = [];
  for (let step = baseMs; step < maxMs; step *= 2) steps.push(step);
  steps.push(maxMs);
  return steps;
}
