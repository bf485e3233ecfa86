import { AppError } from './errors/app-error.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * When a scheduled notification is to be delivered (POST /send's `send_at`, an event's
 * `deliver_at`): null when not given (now); an RFC 3339 time (or a Date) in the future and at
 * most `maxDays` ahead; anything else is `common.validation_failed` naming `field`. The caller
 * passes its clock's now, so tests control it.
 */
export function scheduledTime(value: unknown, now: Date, maxDays: number, field: string): Date | null {
  if (value === undefined || value === null || value === '') return null;
  let at: Date | null = null;
  if (value instanceof Date) at = Number.isNaN(value.getTime()) ? null : value;
  else if (typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value))) at = new Date(Date.parse(value));
  if (!at) throw AppError.invalidField(field, 'must be an RFC 3339 timestamp such as 2026-12-01T10:00:00Z');
  if (at.getTime() <= now.getTime()) throw AppError.invalidField(field, `must be in the future (it is ${now.toISOString()} now)`);
  if (at.getTime() > now.getTime() + maxDays * DAY_MS) throw AppError.invalidField(field, `must be at most ${maxDays} days ahead (MAX_SCHEDULE_DAYS)`);
  return at;
}
