import { HealthWriteBatch } from './health-write-batch.js';

describe('HealthWriteBatch', () => {
  it('writes full batches in order, one write at a time, and the rest on drain', async () => {
    const written: number[][] = [];
    let running = 0;
    let overlapped = false;
    const batch = new HealthWriteBatch<number>(
      async (items) => {
        overlapped ||= running > 0;
        running++;
        await new Promise((r) => setTimeout(r, 5));
        written.push(items);
        running--;
      },
      3,
      60_000,
    );
    for (let i = 1; i <= 7; i++) batch.add(i);
    await batch.drain();
    expect(written).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(overlapped).toBe(false);
    await batch.drain();
    expect(written).toHaveLength(3);
  });

  it('writes a partial batch once its delay has passed', async () => {
    const written: string[][] = [];
    const batch = new HealthWriteBatch<string>(async (items) => void written.push(items), 50, 20);
    batch.add('a');
    batch.add('b');
    expect(written).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(written).toEqual([['a', 'b']]);
    await batch.drain();
    expect(written).toHaveLength(1);
  });
});
