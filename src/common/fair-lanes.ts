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
 * How many of the next `limit` slots are offered to bulk before high work: what bulk is owed so
 * that, with these slots, it has had floor(share × all slots) of the stretch. 0 while it is even.
 */
export function bulkReserve(limit: number, tally: LaneTally, share: number): number {
  if (limit <= 0 || share <= 0) return 0;
  const owed = Math.floor(share * (tally.high + tally.normal + limit)) - tally.normal;
  return Math.max(0, Math.min(limit, owed));
}

/**
 * The tally after a claim that took `taken` slots per lane; `contended`: both lanes still had
 * work to offer (a lane that came back empty ends the stretch).
 */
export function tallyAfter(tally: LaneTally, taken: LaneTally, contended: boolean): LaneTally {
  if (!contended) return EMPTY_TALLY;
  const next = { high: tally.high + taken.high, normal: tally.normal + taken.normal };
  return next.high + next.normal > WINDOW ? { high: Math.floor(next.high / 2), normal: Math.floor(next.normal / 2) } : next;
}

/**
 * Picks up to `limit` candidates from the two lanes (each in its own due order): `reserve` slots
 * go to bulk first, then high work fills up to `limit`, then bulk again for what high left free.
 * `accept` may refuse a candidate (its notifier is at its concurrency limit); it is asked once per
 * candidate, in that order, and counts what it accepted itself.
 */
export function pickFromLanes<T>(lanes: { high: readonly T[]; normal: readonly T[] }, limit: number, reserve: number, accept: (candidate: T) => boolean): { picked: T[]; taken: LaneTally } {
  const picked: T[] = [];
  const taken = { high: 0, normal: 0 };
  const take = (lane: Lane, from: readonly T[], start: number, upTo: number): number => {
    let i = start;
    for (; i < from.length && picked.length < upTo; i++) {
      if (!accept(from[i])) continue;
      picked.push(from[i]);
      taken[lane] += 1;
    }
    return i;
  };
  const normalAt = take('normal', lanes.normal, 0, Math.min(limit, reserve));
  take('high', lanes.high, 0, limit);
  take('normal', lanes.normal, normalAt, limit);
  return { picked, taken };
}
