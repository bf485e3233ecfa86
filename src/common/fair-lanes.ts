/**
 * Two lanes of work claimed from one queue — `high` (transactional: a password reset, a paid
 * order) ahead of `normal` (bulk) — and the fairness that keeps bulk moving while high work keeps
 * coming: while both lanes have work, bulk gets `share` of the claimed slots, counted over every
 * claim of that stretch (not per claim: a dispatcher with one free slot still serves bulk one
 * time in 1/share). When either lane runs dry the stretch ends and the count starts again, so a
 * lane that waited alone never builds up credit it would spend later ahead of the other.
 *
 * Pure: the caller keeps the tally between claims (OutboxRelay, Dispatcher) and says what it took.
 */

export type Lane = 'high' | 'normal';

/** Slots claimed per lane during the current stretch in which both lanes had work. */
export interface LaneTally {
  readonly high: number;
  readonly normal: number;
}

export const EMPTY_TALLY: LaneTally = { high: 0, normal: 0 };

/** Past this many claims in one stretch the tally is halved: the share holds over a window, not since boot. */
const WINDOW = 10_000;

/**
 * How many of the next `limit` slots are offered to bulk before high work, for a claim that takes
 * exactly what it is offered (the relay's batches): what bulk is owed so that, with these slots,
 * it has had floor(share × all slots) of the stretch. 0 while it is even.
 */
export function bulkReserve(limit: number, tally: LaneTally, share: number): number {
  if (limit <= 0 || share <= 0) return 0;
  const owed = Math.floor(share * (tally.high + tally.normal + limit)) - tally.normal;
  return Math.max(0, Math.min(limit, owed));
}

/**
 * How a claim found the lanes: both with work (the stretch goes on), one of them empty (the
 * stretch ends), or nothing claimable at all (every notifier with work at its limit: no news, the
 * stretch is kept as it is).
 */
export type LaneState = 'contended' | 'alone' | 'idle';

export function laneState(high: number, normal: number): LaneState {
  return high > 0 && normal > 0 ? 'contended' : high === 0 && normal === 0 ? 'idle' : 'alone';
}

/** The tally after a claim that took `taken` slots per lane and found the lanes in `state`. */
export function tallyAfter(tally: LaneTally, taken: LaneTally, state: LaneState): LaneTally {
  if (state === 'idle') return tally;
  if (state === 'alone') return EMPTY_TALLY;
  const next = { high: tally.high + taken.high, normal: tally.normal + taken.normal };
  return next.high + next.normal > WINDOW ? { high: Math.floor(next.high / 2), normal: Math.floor(next.normal / 2) } : next;
}

/**
 * Picks up to `limit` candidates from the two lanes (each in its own due order), slot by slot:
 * a slot goes to bulk when bulk is owed it (its share of the stretch so far, this claim's picks
 * included), else to high work; when the chosen lane has nothing acceptable left, to the other.
 * `accept` may refuse a candidate (its notifier is at its concurrency limit); it is asked once per
 * candidate at most, and counts what it accepted itself. Deciding per slot, on what was actually
 * taken, keeps the share exact when `accept` lets only a few through.
 */
export function pickFromLanes<T>(
  lanes: { high: readonly T[]; normal: readonly T[] },
  limit: number,
  tally: LaneTally,
  share: number,
  accept: (candidate: T) => boolean,
): { picked: T[]; taken: LaneTally } {
  const picked: T[] = [];
  const taken = { high: 0, normal: 0 };
  const next = { high: 0, normal: 0 };
  const takeFrom = (lane: Lane): boolean => {
    const from = lanes[lane];
    while (next[lane] < from.length) {
      const candidate = from[next[lane]++];
      if (!accept(candidate)) continue;
      picked.push(candidate);
      taken[lane] += 1;
      return true;
    }
    return false;
  };
  while (picked.length < limit) {
    const served = tally.high + tally.normal + taken.high + taken.normal;
    const bulkOwed = share > 0 && Math.floor(share * (served + 1)) > tally.normal + taken.normal;
    const [first, second]: Lane[] = bulkOwed ? ['normal', 'high'] : ['high', 'normal'];
    if (!takeFrom(first) && !takeFrom(second)) break;
  }
  return { picked, taken };
}
