import { CoalescedRead } from './coalesced-read.js';

/** A read whose answers the test releases one at a time; each answer is the read's number. */
function controlled() {
  const pending: { resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
  let started = 0;
  const read = () =>
    new Promise<number>((resolve, reject) => {
      started += 1;
      const n = started;
      pending.push({ resolve: () => resolve(n), reject });
    });
  return { read, pending, started: () => started };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CoalescedRead', () => {
  it('answers callers that asked while a read ran from the next read, started after they asked', async () => {
    const c = controlled();
    const shared = new CoalescedRead(c.read);
    const first = shared.get();
    const second = shared.get();
    const third = shared.get();
    expect(c.started()).toBe(1);
    c.pending[0].resolve(0);
    expect(await first).toBe(1);
    await tick();
    expect(c.started()).toBe(2); // the next read started only once the first ended
    const fourth = shared.get(); // asked before the second read ended, after it started: a third read
    c.pending[1].resolve(0);
    expect(await second).toBe(2);
    expect(await third).toBe(2);
    await tick();
    c.pending[2].resolve(0);
    expect(await fourth).toBe(3);
    expect(c.started()).toBe(3);
  });

  it('starts a fresh read when none runs', async () => {
    const c = controlled();
    const shared = new CoalescedRead(c.read);
    const a = shared.get();
    c.pending[0].resolve(0);
    expect(await a).toBe(1);
    await tick();
    const b = shared.get();
    expect(c.started()).toBe(2);
    c.pending[1].resolve(0);
    expect(await b).toBe(2);
  });

  it('fails only the callers that shared a failed read', async () => {
    const c = controlled();
    const shared = new CoalescedRead(c.read);
    const a = shared.get();
    const b = shared.get();
    c.pending[0].reject(new Error('connection lost'));
    await expect(a).rejects.toThrow('connection lost');
    await tick();
    c.pending[1].resolve(0);
    expect(await b).toBe(2);
  });
});
