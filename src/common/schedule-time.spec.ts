import { AppError } from './errors/app-error.js';
import { scheduledTime } from './schedule-time.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const violations = (value: unknown): unknown => {
  try {
    scheduledTime(value, NOW, 365, 'send_at');
  } catch (err) {
    return (err as AppError).details?.violations;
  }
  throw new Error('accepted');
};

describe('scheduledTime', () => {
  it('is null when absent, the time when in the window', () => {
    expect(scheduledTime(undefined, NOW, 365, 'send_at')).toBeNull();
    expect(scheduledTime('2026-12-01T10:00:05Z', NOW, 365, 'send_at')).toEqual(new Date('2026-12-01T10:00:05Z'));
    expect(scheduledTime('2026-12-01T13:00:00+02:00', NOW, 365, 'send_at')).toEqual(new Date('2026-12-01T11:00:00Z'));
    expect(scheduledTime('2027-12-01T10:00:00Z', NOW, 365, 'send_at')).toEqual(new Date('2027-12-01T10:00:00Z'));
  });

  it('refuses a past or present time, one beyond the window, and what is not RFC 3339, naming the field', () => {
    expect(violations('2026-12-01T09:59:59Z')).toEqual([{ field: 'send_at', message: expect.stringContaining('must be in the future') }]);
    expect(violations('2026-12-01T10:00:00Z')).toEqual([{ field: 'send_at', message: expect.stringContaining('must be in the future') }]);
    expect(violations('2027-12-01T10:00:01Z')).toEqual([{ field: 'send_at', message: 'must be at most 365 days ahead (MAX_SCHEDULE_DAYS)' }]);
    for (const bad of ['tomorrow', '2026-12-02', 1764583200000, '2026-13-01T10:00:00Z']) expect(violations(bad)).toEqual([{ field: 'send_at', message: expect.stringContaining('RFC 3339') }]);
  });

  it('refuses an empty string: absent means now, empty is a mistake', () => {
    expect(violations('')).toEqual([{ field: 'send_at', message: expect.stringContaining('leave it out to send now') }]);
  });

  it('refuses dates that do not exist instead of rolling them over, and a leap second; accepts 29 February of a leap year', () => {
    for (const bad of ['2027-02-30T10:00:00Z', '2027-02-29T10:00:00Z', '2027-04-31T10:00:00Z', '2027-01-01T24:00:00Z', '2027-01-01T10:60:00Z', '2027-06-30T23:59:60Z', '2027-01-01T10:00:00+24:00', '2027-00-10T10:00:00Z']) {
      expect(violations(bad)).toEqual([{ field: 'send_at', message: expect.stringContaining('RFC 3339') }]);
    }
    // Year 0000 exists in RFC 3339 but not in PostgreSQL: refused here, as are years past the range.
    expect(violations('0000-01-01T00:00:00Z')).toEqual([{ field: 'send_at', message: expect.stringContaining('in the years 1970 to 9999') }]);
    expect(violations(new Date(Date.UTC(0, 0, 1) - 62_135_596_800_000))).toEqual([{ field: 'send_at', message: expect.stringContaining('in the years 1970 to 9999') }]);
    expect(scheduledTime('2027-02-28T10:00:00+07:00', NOW, 365, 'send_at')?.toISOString()).toBe('2027-02-28T03:00:00.000Z');
    expect(scheduledTime('2028-02-29T10:00:00Z', NOW, 1_000, 'send_at')?.toISOString()).toBe('2028-02-29T10:00:00.000Z');
  });
});

