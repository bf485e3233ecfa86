import { AppError } from './errors/app-error.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;
const DAY_MS = 86_400_000;

/**
 * When a scheduled notification is to be delivered (POST /send's `send_at`, an event's
 * `deliver_at`): null when not given (now); an RFC 3339 time (or a Date) in the future and at
 * most `maxDays` ahead; anything else is `common.validation_failed` naming `field`. The caller
 * passes its clock's now, so tests control it.
 */
export function scheduledTime(value: unknown, now: Date, maxDays: number, field: string): Date | null {
  if (value === undefined || value === null) return null;
  if (value === '') throw AppError.invalidField(field, 'must be an RFC 3339 timestamp such as 2026-12-01T10:00:00Z; leave it out to send now');
  const at = value instanceof Date ? (inYearRange(value) ? value : null) : typeof value === 'string' ? parseRfc3339(value) : null;
  if (!at) throw AppError.invalidField(field, `must be an RFC 3339 timestamp such as 2026-12-01T10:00:00Z, in the years ${MIN_YEAR} to ${MAX_YEAR}`);
  if (at.getTime() <= now.getTime()) throw AppError.invalidField(field, `must be in the future (it is ${now.toISOString()} now)`);
  if (at.getTime() > now.getTime() + maxDays * DAY_MS) throw AppError.invalidField(field, `must be at most ${maxDays} days ahead (MAX_SCHEDULE_DAYS)`);
  return at;
}

/** The years a time given to the API may name: nothing before the epoch or beyond four digits. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 9999;

/**
 * RFC 3339 text as a Date, or null: every field in its calendar range (`2027-02-30` is refused,
 * not rolled over to 2 March as Date.parse would; a leap second, `23:59:60`, is refused too:
 * JavaScript time has none) and the instant in the years MIN_YEAR to MAX_YEAR (year `0000`, which
 * PostgreSQL has no such year for, is refused here rather than by the database).
 */
export function parseRfc3339(value: string): Date | null {
  if (!isCalendarTime(value)) return null;
  const at = new Date(Date.parse(value));
  return inYearRange(at) ? at : null;
}

/** A valid Date whose UTC year is MIN_YEAR to MAX_YEAR. */
export function inYearRange(at: Date): boolean {
  const year = at.getUTCFullYear();
  return !Number.isNaN(year) && year >= MIN_YEAR && year <= MAX_YEAR;
}

function isCalendarTime(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk && !Number.isNaN(Date.parse(value));
}
