import { bulkReserve, EMPTY_TALLY, pickFromLanes, tallyAfter, type LaneTally } from './fair-lanes.js';

/** Claims `rounds` times from two lanes that never run dry, `limit` slots each: what each lane got. */
function contendedRun(rounds: number, limit: number, share: number): LaneTally {
  let tally = EMPTY_TALLY;
  const total = { high: 0, normal: 0 };
  const lane = (name: string) => Array.from({ length: limit * 4 }, (_, i) => `${name}${i}`);
  for (let i = 0; i < rounds; i++) {
    const { taken } = pickFromLanes({ high: lane('h'), normal: lane('n') }, limit, bulkReserve(limit, tally, share), () => true);
    tally = tallyAfter(tally, taken, true);
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

  it('serves high work first: the first slot of a stretch is high, bulk waits for what it is owed', () => {
    expect(bulkReserve(1, EMPTY_TALLY, 0.1)).toBe(0);
    expect(bulkReserve(1, { high: 9, normal: 0 }, 0.1)).toBe(1);
    expect(bulkReserve(1, { high: 9, normal: 1 }, 0.1)).toBe(0);
    expect(bulkReserve(64, EMPTY_TALLY, 0.1)).toBe(6);
    expect(bulkReserve(64, EMPTY_TALLY, 0)).toBe(0);
  });

  it('fills the slots one lane leaves free with the other', () => {
    const onlyHigh = pickFromLanes({ high: ['h1', 'h2', 'h3'], normal: [] }, 3, 1, () => true);
    expect(onlyHigh).toEqual({ picked: ['h1', 'h2', 'h3'], taken: { high: 3, normal: 0 } });
    const fewHigh = pickFromLanes({ high: ['h1'], normal: ['n1', 'n2', 'n3'] }, 3, 1, () => true);
    expect(fewHigh).toEqual({ picked: ['n1', 'h1', 'n2'], taken: { high: 1, normal: 2 } });
  });

  it('skips candidates the caller refuses and asks about each candidate once', () => {
    const asked: string[] = [];
    const { picked } = pickFromLanes({ high: ['h1', 'busy', 'h2'], normal: ['n1', 'n2'] }, 3, 1, (c) => (asked.push(c), c !== 'busy'));
    expect(picked).toEqual(['n1', 'h1', 'h2']);
    expect(asked).toEqual(['n1', 'h1', 'busy', 'h2']);
  });

  it('ends the stretch when a lane runs dry, so a lane that waited alone builds no credit', () => {
    const long = tallyAfter({ high: 500, normal: 0 }, { high: 1, normal: 0 }, false);
    expect(long).toEqual(EMPTY_TALLY);
    expect(bulkReserve(10, long, 0.1)).toBe(1);
  });

  it('keeps the tally to a window: halved past 10,000 claims, the share unchanged', () => {
    const next = tallyAfter({ high: 9_000, normal: 1_000 }, { high: 9, normal: 1 }, true);
    expect(next).toEqual({ high: 4_504, normal: 500 });
    expect(bulkReserve(10, next, 0.1)).toBe(1);
  });
});
