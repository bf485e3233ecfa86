import { RowVersionCache } from './row-version-cache.js';

interface Row {
  id: string;
  config: Record<string, unknown>;
  createdAt: Date;
}

const row = (id: string): Row => ({ id, config: { key: 'secret', nested: { list: [1, 2] } }, createdAt: new Date(0) });

const read = (...rows: [string, string][]) => rows.map(([id, version]) => ({ id, version, row: row(id) }));

describe('RowVersionCache', () => {
  it('answers a listing only at exactly the table version it was read at, per filter', () => {
    const cache = new RowVersionCache<Row>(10);
    const rows = cache.remember('*', '41', read(['a', '1'], ['b', '7']));
    expect(cache.listing('*', '41')).toBe(rows);
    expect(cache.listing('*', '42')).toBeUndefined(); // a write was committed since
    expect(cache.listing('*', '40')).toBeUndefined();
    expect(cache.listing('gateway', '41')).toBeUndefined(); // another filter
    const later = cache.remember('*', '42', read(['a', '1']));
    expect(cache.listing('*', '42')).toBe(later);
    expect(cache.listing('*', '41')).toBeUndefined();
  });

  it('caches the empty listing too', () => {
    const cache = new RowVersionCache<Row>(10);
    const rows = cache.remember('*', '1', []);
    expect(cache.listing('*', '1')).toBe(rows);
    expect(rows).toEqual([]);
  });

  it('deep-freezes what it hands out and keeps a row object while its row version stays', () => {
    const cache = new RowVersionCache<Row>(10);
    const [a1] = cache.remember('*', '1', read(['a', '1']));
    expect(Object.isFrozen(a1) && Object.isFrozen(a1.config) && Object.isFrozen((a1.config.nested as { list: number[] }).list)).toBe(true);
    const [again, b] = cache.remember('*', '2', read(['a', '1'], ['b', '1']));
    expect(again).toBe(a1);
    expect(b.id).toBe('b');
    const [a2] = cache.remember('gateway', '3', read(['a', '2']));
    expect(a2).not.toBe(a1);
    // the same row version with other contents (an xmin come round again) is a new object too
    const [a3] = cache.remember('*', '4', [{ id: 'a', version: '2', row: { ...row('a'), config: { key: 'other' } } }]);
    expect(a3).not.toBe(a2);
    expect(a3.config).toEqual({ key: 'other' });
  });

  it('holds at most its capacity of rows', () => {
    const cache = new RowVersionCache<Row>(2);
    cache.remember('*', '1', read(['a', '1'], ['b', '1'], ['c', '1']));
    expect(cache.size).toBe(2);
    cache.delete('c');
    expect(cache.size).toBe(1);
  });
});
