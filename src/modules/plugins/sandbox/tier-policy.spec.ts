import { AppError } from '../../../common/errors/app-error.js';
import { timedOut } from './sandbox-errors.js';
import { TierPolicy } from './tier-policy.js';

const clean = { durationMs: 1, timeoutMs: 1_000, error: null };

describe('TierPolicy', () => {
  it('follows a forced tier and never changes it', () => {
    const policy = new TierPolicy('inline', 1);
    expect(policy.record('a', 'inline', { ...clean, error: timedOut('p', 'f', 1_000, 'running') })).toBeNull();
    expect(policy.tierFor('a')).toBe('inline');
    expect(new TierPolicy('worker', 1).tierFor('a')).toBe('worker');
  });

  it('promotes after N consecutive clean calls; script errors count as clean', () => {
    const policy = new TierPolicy('adaptive', 3);
    expect(policy.record('a', 'worker', clean)).toBeNull();
    expect(policy.record('a', 'worker', { ...clean, error: new AppError('plugins.script_error', 'boom') })).toBeNull();
    expect(policy.record('a', 'worker', clean)).toBe('promoted');
    expect(policy.tierFor('a')).toBe('inline');
    expect(policy.tierFor('b')).toBe('worker');
  });

  it('does not count slow calls (half the deadline or more) as clean', () => {
    const policy = new TierPolicy('adaptive', 2);
    policy.record('a', 'worker', clean);
    policy.record('a', 'worker', { ...clean, durationMs: 500 });
    expect(policy.describe('a')).toEqual({ tier: 'worker', cleanStreak: 0, demoted: false });
  });

  it('demotes for good on a CPU timeout, out of memory, stack overflow or an inline overrun', () => {
    for (const outcome of [
      { ...clean, error: timedOut('p', 'f', 1_000, 'running') },
      { ...clean, error: new AppError('plugins.out_of_memory', 'oom') },
      { ...clean, error: new AppError('plugins.stack_overflow', 'deep') },
      { ...clean, durationMs: 1_100 },
    ]) {
      const policy = new TierPolicy('adaptive', 1);
      expect(policy.record('a', 'worker', clean)).toBe('promoted');
      expect(policy.record('a', 'inline', outcome)).toBe('demoted');
      expect(policy.record('a', 'worker', clean)).toBeNull();
      expect(policy.describe('a')).toEqual({ tier: 'worker', cleanStreak: 0, demoted: true });
    }
  });

  it('does not demote for a timeout while awaiting the host or queued', () => {
    const policy = new TierPolicy('adaptive', 1);
    policy.record('a', 'worker', clean);
    expect(policy.record('a', 'inline', { ...clean, durationMs: 1_200, error: timedOut('p', 'f', 1_000, 'awaiting_host') })).toBeNull();
    expect(policy.record('a', 'inline', { ...clean, error: timedOut('p', 'f', 1_000, 'queued') })).toBeNull();
    expect(policy.tierFor('a')).toBe('inline');
  });

  it('ignores outcomes of calls that started before a tier change', () => {
    const policy = new TierPolicy('adaptive', 1);
    policy.record('a', 'worker', clean);
    expect(policy.record('a', 'worker', { ...clean, error: new AppError('plugins.out_of_memory', 'oom') })).toBeNull();
    expect(policy.tierFor('a')).toBe('inline');
  });
});
