import { bulkReserve, EMPTY_TALLY, laneState, pickFromLanes, tallyAfter, type LaneTally } from './fair-lanes.js';

const lane = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}${i}`);

/**
 * Claims `rounds` times from two lanes that never run dry, `limit` slots each, of which `accepts`
 * at most are let through (a notifier's free concurrency slots): what each lane got.
 */
function contendedRun(rounds: number, limit: number, share: number, accepts = limit): LaneTally {
  let tally = EMPTY_TALLY;
  const total = { high: 0, normal: 0 };
  for (let i = 0; i < rounds; i++) {
    let letThrough = accepts;
    const { taken } = pickFromLanes({ high: lane('h', limit * 4), normal: lane('n', limit * 4) }, limit, tally, share, () => letThrough-- > 0);
    tally = tallyAfter(tally, taken, 'contended');
    total.high += taken.high;
    total.normal += taken.normal;
  }
  return total;
}

describe('fair lanes', () => {
  it('gives bulk its share of the slots while both lanes have work, whatever the claim size', () => {
    expect(contendedRun(1_000, 1, 0.1)).toEqual({ high: 900, normal: 100 });
    expect(contendedRun(100, 64, 0.1)).toEqual({ high: 5_760, normal: 640 });
    expect(contendedRun(300, 3, 0.25)).toEqual({ high: 675, normal: 225 });
  });

  it('keeps the share exact when only a few of the offered slots can be taken (a notifier at its limit)', () => {
    // 48 free dispatcher slots, but the one notifier takes 2 per claim: still a tenth for bulk.
    expect(contendedRun(500, 48, 0.1, 2)).toEqual({ high: 900, normal: 100 });
  });

  it('serves high work first: the first slot of a stretch is high, bulk waits for what it is owed', () => {
    expect(pickFromLanes({ high: ['h1'], normal: ['n1'] }, 1, EMPTY_TALLY, 0.1, () => true).picked).toEqual(['h1']);
    expect(pickFromLanes({ high: ['h1'], normal: ['n1'] }, 1, { high: 9, normal: 0 }, 0.1, () => true).picked).toEqual(['n1']);
    expect(pickFromLanes({ high: ['h1'], normal: ['n1'] }, 1, { high: 9, normal: 1 }, 0.1, () => true).picked).toEqual(['h1']);
    expect(pickFromLanes({ high: lane('h', 9), normal: ['n1'] }, 9, EMPTY_TALLY, 0, () => true).taken).toEqual({ high: 9, normal: 0 });
  });

  it('fills the slots one lane leaves free with the other', () => {
    const onlyHigh = pickFromLanes({ high: ['h1', 'h2', 'h3'], normal: [] }, 3, { high: 9, normal: 0 }, 0.5, () => true);
    expect(onlyHigh).toEqual({ picked: ['h1', 'h2', 'h3'], taken: { high: 3, normal: 0 } });
    const fewHigh = pickFromLanes({ high: ['h1'], normal: ['n1', 'n2', 'n3'] }, 3, EMPTY_TALLY, 0.1, () => true);
    expect(fewHigh).toEqual({ picked: ['h1', 'n1', 'n2'], taken: { high: 1, normal: 2 } });
  });

  it('skips candidates the caller refuses and asks about each candidate once at most', () => {
    const asked: string[] = [];
    const { picked } = pickFromLanes({ high: ['h1', 'busy', 'h2'], normal: ['n1', 'n2'] }, 3, EMPTY_TALLY, 0.1, (c) => (asked.push(c), c !== 'busy'));
    expect(picked).toEqual(['h1', 'h2', 'n1']);
    expect(asked).toEqual(['h1', 'busy', 'h2', 'n1']);
  });

  it('ends the stretch when a lane runs dry, so a lane that waited alone builds no credit', () => {
    expect(tallyAfter({ high: 500, normal: 0 }, { high: 1, normal: 0 }, 'alone')).toEqual(EMPTY_TALLY);
    expect(laneState(3, 0)).toBe('alone');
    expect(laneState(3, 2)).toBe('contended');
  });

  it('keeps the stretch when nothing was claimable at all (every notifier with work at its limit)', () => {
    expect(laneState(0, 0)).toBe('idle');
    expect(tallyAfter({ high: 40, normal: 4 }, { high: 0, normal: 0 }, 'idle')).toEqual({ high: 40, normal: 4 });
  });

  it('keeps the tally to a window: halved past 10,000 claims, the share unchanged', () => {
    const next = tallyAfter({ high: 9_000, normal: 1_000 }, { high: 9, normal: 1 }, 'contended');
    expect(next).toEqual({ high: 4_504, normal: 500 });
    expect(bulkReserve(10, next, 0.1)).toBe(1);
  });

  it('sizes the relay’s bulk reserve so a batch taken whole keeps the share', () => {
    expect(bulkReserve(1, EMPTY_TALLY, 0.1)).toBe(0);
    expect(bulkReserve(1, { high: 9, normal: 0 }, 0.1)).toBe(1);
    expect(bulkReserve(200, EMPTY_TALLY, 0.1)).toBe(20);
    expect(bulkReserve(200, EMPTY_TALLY, 0)).toBe(0);
  });
});
