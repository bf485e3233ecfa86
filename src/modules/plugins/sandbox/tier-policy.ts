import { AppError } from '../../../common/errors/app-error.js';
import type { TimeoutPhase } from './sandbox-errors.js';
import type { SandboxTier, SandboxTierMode } from './sandbox.types.js';

export interface CallOutcome {
  durationMs: number;
  timeoutMs: number;
  error: unknown;
}

export type TierChange = 'promoted' | 'demoted' | null;

interface ScriptRecord {
  tier: SandboxTier;
  cleanStreak: number;
  demoted: boolean;
}

/**
 * Which tier runs a script (by sha256), from its track record.
 *
 * Every script starts in the worker tier. After `promoteAfter` consecutive clean calls (no error that
 * touches a limit, and under half the deadline) it runs inline. A limit violation (CPU timeout, out
 * of memory, stack overflow), or an inline call that overran its deadline, sends it to the worker
 * tier for good; only a new sha256 (changed source) starts over.
 *
 * A timeout while the script was awaiting a host call (a slow HTTP endpoint) or still queued is not
 * the script burning CPU: it breaks the streak but does not demote.
 */
export class TierPolicy {
  private readonly records = new Map<string, ScriptRecord>();

  constructor(
    private readonly mode: SandboxTierMode,
    private readonly promoteAfter: number,
    private readonly maxRecords = 10_000,
  ) {}

  tierFor(sha256: string): SandboxTier {
    if (this.mode !== 'adaptive') return this.mode;
    return this.records.get(sha256)?.tier ?? 'worker';
  }

  /** For diagnostics and tests. */
  describe(sha256: string): { tier: SandboxTier; cleanStreak: number; demoted: boolean } {
    const record = this.records.get(sha256);
    return record ? { ...record } : { tier: this.tierFor(sha256), cleanStreak: 0, demoted: false };
  }

  record(sha256: string, tier: SandboxTier, outcome: CallOutcome): TierChange {
    if (this.mode !== 'adaptive') return null;
    const record = this.recordFor(sha256);
    // A call started before the last tier change says nothing about the current tier.
    if (record.tier !== tier) return null;
    const overran = tier === 'inline' && outcome.durationMs > outcome.timeoutMs + OVERRUN_SLACK_MS && !waitedOnHost(outcome.error);
    if (overran || isViolation(outcome.error)) {
      record.cleanStreak = 0;
      record.demoted = true;
      if (record.tier === 'inline') {
        record.tier = 'worker';
        return 'demoted';
      }
      return null;
    }
    if (record.tier === 'inline' || record.demoted) return null;
    if (!isClean(outcome)) {
      record.cleanStreak = 0;
      return null;
    }
    record.cleanStreak++;
    if (record.cleanStreak < this.promoteAfter) return null;
    record.tier = 'inline';
    return 'promoted';
  }

  private recordFor(sha256: string): ScriptRecord {
    let record = this.records.get(sha256);
    if (record === undefined) {
      if (this.records.size >= this.maxRecords) {
        const oldest = this.records.keys().next();
        if (!oldest.done) this.records.delete(oldest.value);
      }
      record = { tier: 'worker', cleanStreak: 0, demoted: false };
      this.records.set(sha256, record);
    }
    return record;
  }
}

/** Timers fire a little late: only a clear overrun means the deadline check came too late. */
const OVERRUN_SLACK_MS = 50;

function waitedOnHost(error: unknown): boolean {
  if (!(error instanceof AppError) || error.code !== 'plugins.timeout') return false;
  const phase = phaseOf(error);
  return phase === 'awaiting_host' || phase === 'queued';
}

function phaseOf(error: AppError): TimeoutPhase | undefined {
  return (error.details as { phase?: TimeoutPhase } | null)?.phase;
}

function isViolation(error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  switch (error.code) {
    case 'plugins.out_of_memory':
    case 'plugins.stack_overflow':
      return true;
    case 'plugins.timeout': {
      const phase = phaseOf(error);
      return phase === 'running' || phase === 'load';
    }
    default:
      return false;
  }
}

function isClean(outcome: CallOutcome): boolean {
  if (outcome.durationMs >= outcome.timeoutMs / 2) return false;
  if (!(outcome.error instanceof AppError)) return outcome.error === null || outcome.error === undefined;
  switch (outcome.error.code) {
    case 'plugins.timeout':
    case 'plugins.result_too_large':
    case 'plugins.sandbox_crashed':
    case 'plugins.invalid_plugin':
      return false;
    default:
      // Script errors, invalid results, unknown functions: the script misbehaved, the sandbox did not.
      return true;
  }
}
