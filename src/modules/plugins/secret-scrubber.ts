import { AppError } from '../../common/errors/app-error.js';
import { SECRET_MASK } from './plugin-config.service.js';

/**
 * Remembers the secret config values of each cache key (interface) in use, and masks every one of
 * them wherever plugin output reaches someone else: log lines (plugin-log-sink.ts), errors
 * (message and details) and results.
 *
 * Values are scrubbed before they are encoded, never the encoded text: JSON escapes a quote,
 * backslash or newline inside a secret (so the raw secret no longer appears in the text), and
 * replacing a secret equal to `null`, `true` or `123` inside JSON text corrupts it. For text the
 * script may have built itself, the JSON-escaped and URL-encoded spellings of each secret are
 * masked too. Other transformations (base64, hex, slicing) are not caught: the scrubber stops
 * accidents, not a script set on exfiltrating its own config.
 *
 * Secrets of every length are masked, one character included. A short secret then masks every
 * occurrence of those characters in a line, words and all: the line gets ugly, never leaky. The
 * alternatives were worse: skipping short secrets (what this class did before) logs them in clear,
 * and matching whole words only misses a secret inside a longer token (`key=ab1&`, a URL). An
 * admin who sees a log full of masks has a secret worth lengthening.
 *
 * Numbers, booleans and null are never changed, even when their text equals a secret: only strings
 * and object keys carry text.
 */
export class SecretScrubber {
  private readonly byKey = new Map<string, string[]>();
  /**
   * Every spelling of every secret, longest first, as one alternation; null when there is none.
   * Built on first use after a change, not on every set(): a health sweep registers a thousand
   * interfaces' secrets in a row, and rebuilding the alternation of all of them each time was
   * quadratic.
   */
  private built: RegExp | null = null;
  private stale = false;

  /** One scrubber per key with that key's secrets only, built on first use. */
  private readonly scopes = new Map<string, SecretScrubber>();

  set(key: string, secrets: string[]): void {
    const wanted = secrets.filter((s) => typeof s === 'string' && s.length > 0);
    const previous = this.byKey.get(key);
    if (previous && previous.length === wanted.length && previous.every((s, i) => s === wanted[i])) return;
    if (!previous && wanted.length === 0) return;
    if (wanted.length === 0) this.byKey.delete(key);
    else this.byKey.set(key, wanted);
    this.stale = true;
    this.scopes.delete(key);
  }

  /**
   * A scrubber with the secrets of `key` alone, for what goes back to that key's caller (errors,
   * results): another interface's short secret must not garble this one's answer. Log lines keep
   * the scrubber with every secret (plugin-log-sink.ts).
   */
  scoped(key: string): SecretScrubber {
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      scope = new SecretScrubber();
      scope.set(key, this.byKey.get(key) ?? []);
      this.scopes.set(key, scope);
    }
    return scope;
  }

  delete(key: string): void {
    this.set(key, []);
  }

  /** `text` with every secret replaced by SECRET_MASK, in one pass (a mask is never masked again). */
  scrubText = (text: string): string => {
    const pattern = this.pattern();
    if (pattern === null || typeof text !== 'string') return text;
    return text.replace(pattern, SECRET_MASK_REPLACER);
  };

  /** Alias of scrubText, kept for callers that pass it around as a callback. */
  scrub = (text: string): string => this.scrubText(text);

  /**
   * A deep copy of `value` in which every string and every object key has its secrets masked.
   * Arrays and objects are copied (an own `__proto__` key stays data, the copy's prototype is
   * Object.prototype); shared references and cycles are copied as shared references and cycles;
   * the walk is iterative, so depth does not matter. Keys that scrub to the same text keep both
   * values (`********`, `********~2`).
   */
  scrubValue<T>(value: T): T {
    const copies = new Map<object, unknown>();
    const holder: Record<string, unknown> = {};
    const stack: [source: unknown, target: Record<string | number, unknown>, key: string | number][] = [[value, holder, 'value']];
    while (stack.length > 0) {
      const [source, target, key] = stack.pop()!;
      setOwn(target, key, this.copyOne(source, copies, stack));
    }
    return holder.value as T;
  }

  /** The same error with its message and details scrubbed; code and cause unchanged. */
  scrubError(error: AppError): AppError {
    const details = error.details === null ? null : this.scrubValue(error.details);
    const options = 'cause' in error ? { cause: error.cause } : undefined;
    return new AppError(error.code, this.scrubText(error.message), details, options);
  }

  private pattern(): RegExp | null {
    if (this.stale) {
      this.built = buildPattern(this.byKey);
      this.stale = false;
    }
    return this.built;
  }

  private copyOne(source: unknown, copies: Map<object, unknown>, stack: [unknown, Record<string | number, unknown>, string | number][]): unknown {
    if (typeof source === 'string') return this.scrubText(source);
    if (typeof source !== 'object' || source === null) return source;
    const known = copies.get(source);
    if (known !== undefined) return known;
    if (source instanceof Date) return new Date(source.getTime());
    if (Array.isArray(source)) {
      const copy: unknown[] = new Array<unknown>(source.length);
      copies.set(source, copy);
      for (let i = source.length - 1; i >= 0; i--) stack.push([readSafely(source as unknown[], i), copy as unknown as Record<number, unknown>, i]);
      return copy;
    }
    const copy: Record<string, unknown> = {};
    copies.set(source, copy);
    const entries: [string, unknown][] = [];
    if (source instanceof Error) entries.push(['name', source.name], ['message', source.message]);
    let keys: string[] = [];
    try {
      keys = Object.keys(source);
    } catch {
      // A hostile proxy: nothing readable.
    }
    for (const key of keys) entries.push([key, readSafely(source as Record<string, unknown>, key)]);
    const pending: [unknown, string][] = [];
    for (const [rawKey, child] of entries) {
      const scrubbed = this.scrubText(rawKey);
      let name = scrubbed;
      for (let n = 2; Object.prototype.hasOwnProperty.call(copy, name); n++) name = `${scrubbed}~${n}`;
      // Placeholders in source order, so the copy keeps the key order; values are set when popped.
      setOwn(copy, name, undefined);
      pending.push([child, name]);
    }
    for (let i = pending.length - 1; i >= 0; i--) stack.push([pending[i][0], copy, pending[i][1]]);
    return copy;
  }
}

const SECRET_MASK_REPLACER = (): string => SECRET_MASK;

function buildPattern(byKey: Map<string, string[]>): RegExp | null {
  const spellings = new Set<string>();
  for (const secret of new Set([...byKey.values()].flat())) {
    spellings.add(secret);
    spellings.add(JSON.stringify(secret).slice(1, -1));
    try {
      spellings.add(encodeURIComponent(secret));
    } catch {
      // A lone surrogate has no URL encoding.
    }
  }
  if (spellings.size === 0) return null;
  // Longest first: at a given position the alternation takes the first that matches, so a secret
  // containing another is masked whole. Literals only, so matching is linear in the text.
  const sorted = [...spellings].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function readSafely(source: Record<string | number, unknown> | unknown[], key: string | number): unknown {
  try {
    return (source as Record<string | number, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}

function setOwn(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
