import { AppError } from './errors/app-error.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;
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
  else if (typeof value === 'string' && isCalendarTime(value)) at = new Date(Date.parse(value));
  if (!at) throw AppError.invalidField(field, 'must be an RFC 3339 timestamp such as 2026-12-01T10:00:00Z');
  if (at.getTime() <= now.getTime()) throw AppError.invalidField(field, `must be in the future (it is ${now.toISOString()} now)`);
  if (at.getTime() > now.getTime() + maxDays * DAY_MS) throw AppError.invalidField(field, `must be at most ${maxDays} days ahead (MAX_SCHEDULE_DAYS)`);
  return at;
}

/**
 * RFC 3339 with every field in its calendar range: `2027-02-30` is refused, not rolled over to
 * 2 March as Date.parse would; a leap second (`23:59:60`) is refused too (JavaScript time has none).
 */
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
