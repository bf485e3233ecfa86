import { doublingSchedule, retryDelay, type RetryPolicy } from './retry-policy.js';

const jittered: RetryPolicy = { scheduleMs: [5_000, 30_000, 120_000], minMs: 1_000, jitter: 'full' };
const exact: RetryPolicy = { scheduleMs: [1_000, 2_000, 4_000], minMs: 0, jitter: 'none' };

describe('retryDelay', () => {
  it('under full jitter draws uniformly in [0, step], never below the minimum', () => {
    expect(retryDelay(1, jittered, () => 0.5)).toBe(2_500);
    expect(retryDelay(2, jittered, () => 0)).toBe(1_000);
    expect(retryDelay(2, jittered, () => 0.999999)).toBe(29_999);
    expect(retryDelay(2, jittered, () => 0.1)).toBe(3_000);
  });

  it('without jitter waits the step itself and never draws', () => {
    const random = (): number => {
      throw new Error('drew a random number');
    };
    expect([1, 2, 3].map((n) => retryDelay(n, exact, random))).toEqual([1_000, 2_000, 4_000]);
    expect(retryDelay(1, { ...exact, minMs: 1_500 }, random)).toBe(1_500);
  });

  it('keeps the last step for attempts beyond the schedule', () => {
    expect(retryDelay(10, jittered, () => 0.5)).toBe(60_000);
    expect(retryDelay(10, exact, Math.random)).toBe(4_000);
  });

  it('never retries before notBeforeMs (a Retry-After)', () => {
    expect(retryDelay(1, jittered, () => 0.1, 90_000)).toBe(90_000);
    expect(retryDelay(3, jittered, () => 0.9, 5_000)).toBe(108_000);
    expect(retryDelay(1, exact, Math.random, 1_200)).toBe(1_200);
  });
});

describe('doublingSchedule', () => {
  it('doubles from the base and ends at the cap (the relay: 1 s, 2 s, 4 s … at most 5 min)', () => {
    expect(doublingSchedule(1_000, 5 * 60_000)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000]);
    expect(doublingSchedule(100, 400)).toEqual([100, 200, 400]);
    expect(doublingSchedule(500, 100)).toEqual([100]);
  });

  it('matches min(base × 2^(n-1), cap) for every attempt', () => {
    const policy: RetryPolicy = { scheduleMs: doublingSchedule(1_000, 5 * 60_000), minMs: 0, jitter: 'none' };
    for (let n = 1; n <= 40; n++) expect(retryDelay(n, policy, Math.random)).toBe(Math.min(1_000 * 2 ** (n - 1), 5 * 60_000));
  });

  it('refuses a base that would never grow', () => {
    expect(() => doublingSchedule(0, 1_000)).toThrow(RangeError);
  });
});
