import { RowVersionCache } from './row-version-cache.js';

interface Row {
  id: string;
  config: Record<string, unknown>;
  createdAt: Date;
}

const row = (id: string): Row => ({ id, config: { key: 'secret', nested: { list: [1, 2] } }, createdAt: new Date(0) });

const read = (...rows: [string, string][]) => rows.map(([id, version]) => ({ id, version, row: row(id) }));

describe('RowVersionCache', () => {
  it('answers a listing only for exactly the (id, version) set it was built from, in any order', () => {
    const cache = new RowVersionCache<Row>(10);
    const rows = cache.remember('*', read(['a', '1'], ['b', '7']));
    expect(cache.listing('*', 'a 1,b 7')).toBe(rows);
    expect(cache.listing('*', 'b 7,a 1')).toBe(rows);
    expect(cache.listing('*', 'a 1,b 8')).toBeUndefined(); // b was written
    expect(cache.listing('*', 'a 1')).toBeUndefined(); // b was deleted
    expect(cache.listing('*', 'a 1,b 7,c 2')).toBeUndefined(); // c was created
    expect(cache.listing('*', 'a 1,c 7')).toBeUndefined(); // b deleted and c created, same count
    expect(cache.listing('*', '')).toBeUndefined();
    expect(cache.listing('gateway', 'a 1,b 7')).toBeUndefined(); // another filter
  });

  it('caches the empty listing too', () => {
    const cache = new RowVersionCache<Row>(10);
    const rows = cache.remember('*', []);
    expect(cache.listing('*', '')).toBe(rows);
    expect(cache.listing('*', 'a 1')).toBeUndefined();
  });

  it('deep-freezes what it hands out and keeps a row object while its version stays', () => {
    const cache = new RowVersionCache<Row>(10);
    const [a1] = cache.remember('*', read(['a', '1']));
    expect(Object.isFrozen(a1) && Object.isFrozen(a1.config) && Object.isFrozen((a1.config.nested as { list: number[] }).list)).toBe(true);
    const [again, b] = cache.remember('*', read(['a', '1'], ['b', '1']));
    expect(again).toBe(a1);
    expect(b.id).toBe('b');
    const [a2] = cache.remember('gateway', read(['a', '2']));
    expect(a2).not.toBe(a1);
  });

  it('holds at most its capacity of rows', () => {
    const cache = new RowVersionCache<Row>(2);
    cache.remember('*', read(['a', '1'], ['b', '1'], ['c', '1']));
    expect(cache.size).toBe(2);
    cache.delete('c');
    expect(cache.size).toBe(1);
  });
});
