import { VerifiedTokenCache } from './verified-token-cache.js';

const alice = { sub: 'alice', role: 'user' as const, permissions: [] };
const bob = { sub: 'bob', role: 'admin' as const, permissions: [] };

describe('VerifiedTokenCache', () => {
  it('answers a token until its exp, not from then on', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set('t1', alice, 1_000);
    expect(cache.get('t1', 999)).toBe(alice);
    expect(cache.get('t1', 1_000)).toBeUndefined();
    // and the expired entry is gone
    expect(cache.size).toBe(0);
  });

  it('keeps a token without exp', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set('t1', alice, undefined);
    expect(cache.get('t1', Number.MAX_SAFE_INTEGER)).toBe(alice);
  });

  it('only answers the exact token string', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set('a.b.c', alice, undefined);
    expect(cache.get('a.b.C', 0)).toBeUndefined();
    expect(cache.get('a.b.c ', 0)).toBeUndefined();
  });

  it('drops the least recently used token when full', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('t1', alice, undefined);
    cache.set('t2', bob, undefined);
    expect(cache.get('t1', 0)).toBe(alice); // t2 is now the least recently used
    cache.set('t3', bob, undefined);
    expect(cache.size).toBe(2);
    expect(cache.get('t2', 0)).toBeUndefined();
    expect(cache.get('t1', 0)).toBe(alice);
    expect(cache.get('t3', 0)).toBe(bob);
  });
});
