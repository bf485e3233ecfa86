import type { Caller } from './caller.js';

interface Entry {
  caller: Caller;
  /** Epoch seconds of the token's `exp`; Infinity when the token has none. */
  exp: number;
}

/**
 * Verified bearer tokens and the caller each proved, keyed by the whole token string (header,
 * claims and signature), so a token that differs in one character is verified afresh. An entry
 * lives no longer than its token (`exp`, compared as jose does: expired once now ≥ exp), and the
 * least recently used one goes when the cache is full. Only tokens that passed verification get
 * in: a forged token costs a full check every time and cannot push valid ones out. The cache is
 * per TokenService, so per signing secret.
 *
 * Why: HS256 verification through WebCrypto (import the key, HMAC, compare) was among the largest costs
 * of a small authenticated gRPC call, and clients send the same token on every call.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  get(token: string, nowSeconds: number): Caller | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowSeconds >= entry.exp) {
      this.entries.delete(token);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(token);
    this.entries.set(token, entry);
    return entry.caller;
  }

  set(token: string, caller: Caller, exp: number | undefined): void {
    if (this.capacity <= 0) return;
    this.entries.delete(token);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { caller, exp: exp ?? Infinity });
  }

  get size(): number {
    return this.entries.size;
  }
}
