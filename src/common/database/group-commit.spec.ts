import { GroupCommit } from './group-commit.js';

/** A write the test releases by hand, recording each batch it was given. */
function manualWrite() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  let failNext: Error | null = null;
  const write = (items: number[]) => {
    batches.push(items);
    const error = failNext;
    failNext = null;
    return new Promise<string[]>((resolve, reject) => releases.push(() => (error ? reject(error) : resolve(items.map((i) => `ok ${i}`)))));
  };
  return { write, batches, release: () => releases.shift()!(), failNextWith: (e: Error) => (failNext = e) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('writes a lone item at once, and what arrives meanwhile together in the next write', async () => {
    const w = manualWrite();
    const group = new GroupCommit(w.write, 100);
    const first = group.submit(1);
    await tick();
    expect(w.batches).toEqual([[1]]);
    const rest = [group.submit(2), group.submit(3), group.submit(4)];
    await tick();
    expect(w.batches).toEqual([[1]]);
    w.release();
    expect(await first).toBe('ok 1');
    await tick();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.release();
    expect(await Promise.all(rest)).toEqual(['ok 2', 'ok 3', 'ok 4']);
  });

  it('splits what waits into writes of at most maxBatch', async () => {
    const w = manualWrite();
    const group = new GroupCommit(w.write, 2);
    const all = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    for (let i = 0; i < 3; i++) {
      await tick();
      w.release();
    }
    expect(await Promise.all(all)).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
    expect(w.batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('rejects every item of a failed write, and goes on with the next', async () => {
    const w = manualWrite();
    const group = new GroupCommit(w.write, 10);
    w.failNextWith(new Error('connection lost'));
    const first = group.submit(1);
    const second = [group.submit(2), group.submit(3)];
    await tick();
    w.release();
    await expect(first).rejects.toThrow('connection lost');
    await tick();
    w.release();
    expect(await Promise.all(second)).toEqual(['ok 2', 'ok 3']);
  });
});
