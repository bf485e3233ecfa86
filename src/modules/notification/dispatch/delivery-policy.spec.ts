import { decideAfterAttempt, failedCallResult, retryDelayMs, worthClaiming, type RetrySchedule } from './delivery-policy.js';

const schedule: RetrySchedule = { scheduleMs: [5_000, 30_000, 120_000], minMs: 1_000 };
const max = schedule.scheduleMs.length + 1;

describe('decideAfterAttempt (seed 003 state machine)', () => {
  it('maps success, skipped and permanent_fail to sent, skipped and dead', () => {
    expect(decideAfterAttempt({ outcome: 'success', provider_message_id: 'm-1' }, 1, max, schedule, () => 0.5)).toMatchObject({
      status: 'sent',
      providerMessageId: 'm-1',
      retryInMs: null,
    });
    expect(decideAfterAttempt({ outcome: 'skipped', error_code: 'recipient_missing' }, 1, max, schedule, () => 0.5)).toMatchObject({
      status: 'skipped',
      errorCode: 'recipient_missing',
    });
    expect(decideAfterAttempt({ outcome: 'permanent_fail', error_code: 'payload_invalid', error_message: 'HTTP 400' }, 1, max, schedule, () => 0.5)).toMatchObject({
      status: 'dead',
      errorCode: 'payload_invalid',
      errorMessage: 'HTTP 400',
    });
  });

  it('retries a temporary failure after the jittered step, and gives up after the last attempt', () => {
    const failure = { outcome: 'temporary_fail', error_code: 'provider_5xx', error_message: 'HTTP 503' } as const;
    expect(decideAfterAttempt(failure, 1, max, schedule, () => 0.5)).toMatchObject({ status: 'failed', retryInMs: 2_500 });
    expect(decideAfterAttempt(failure, 3, max, schedule, () => 0.5)).toMatchObject({ status: 'failed', retryInMs: 60_000 });
    const last = decideAfterAttempt(failure, max, max, schedule, () => 0.5);
    expect(last.status).toBe('dead');
    expect(last.errorMessage).toBe('HTTP 503 (gave up after 4 attempts)');
  });
});

describe('retryDelayMs', () => {
  it('draws uniformly in [0, step] (full jitter) but never below the minimum', () => {
    expect(retryDelayMs(2, schedule, () => 0, null)).toBe(1_000);
    expect(retryDelayMs(2, schedule, () => 0.999999, null)).toBe(29_999);
    expect(retryDelayMs(2, schedule, () => 0.1, null)).toBe(3_000);
  });

  it('keeps the last step for attempts beyond the schedule', () => {
    expect(retryDelayMs(10, schedule, () => 0.5, null)).toBe(60_000);
  });

  it('never retries before the target asked (Retry-After)', () => {
    expect(retryDelayMs(1, schedule, () => 0.1, 90)).toBe(90_000);
    expect(retryDelayMs(3, schedule, () => 0.9, 5)).toBe(108_000);
  });
});

describe('failedCallResult', () => {
  it('makes a timed-out send() a provider_timeout and any other failure a retryable network_error', () => {
    expect(failedCallResult('plugins.timeout', 'after 5000 ms')).toEqual({
      outcome: 'temporary_fail',
      error_code: 'provider_timeout',
      error_message: 'send() timed out: after 5000 ms',
    });
    expect(failedCallResult('plugins.script_error', 'boom').error_code).toBe('network_error');
  });
});

describe('worthClaiming', () => {
  it('claims for any free slot when nothing is in flight, however small the limit', () => {
    expect(worthClaiming(1, 16, 0)).toBe(true);
    expect(worthClaiming(1, 1, 0)).toBe(true);
  });

  it('with sends in flight, waits until a quarter of the slots are free', () => {
    expect(worthClaiming(3, 16, 13)).toBe(false);
    expect(worthClaiming(4, 16, 12)).toBe(true);
    expect(worthClaiming(15, 64, 49)).toBe(false);
    expect(worthClaiming(16, 64, 48)).toBe(true);
  });

  it('a limit of 1 or 2 still claims each freed slot', () => {
    expect(worthClaiming(1, 2, 1)).toBe(true);
    expect(worthClaiming(1, 1, 0)).toBe(true);
  });

  it('never with no free slot', () => {
    expect(worthClaiming(0, 16, 16)).toBe(false);
    expect(worthClaiming(-1, 16, 17)).toBe(false);
  });
});
