import { HostApiError } from './host-api.types.js';

/**
 * Argument checks shared by the host functions. Scripts are untrusted: a value may be a Proxy
 * or carry throwing getters, so nothing here calls toString/valueOf on what it is given, and
 * messages name the field and the expected shape, never echo the value (it may be a secret).
 */

export function invalidArgument(field: string, problem: string): HostApiError {
  return new HostApiError('invalid_argument', `${field}: ${problem}`);
}

/** Cross-realm safe: an object whose prototype is null or some realm's Object.prototype. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** The shape of a value for an error message, without revealing the value. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** Optional fields treat null like absent: scripts often pass `null` for "not set". */
export function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/**
 * Reads a script-supplied object into a plain record of its own enumerable properties,
 * rejecting keys the host function does not know (a typo such as `timeout` for `timeout_ms`
 * would otherwise be silently ignored). Throwing getters or Proxy traps become invalid_argument.
 */
export function readRecord(value: unknown, field: string, knownKeys: readonly string[]): Record<string, unknown> {
  try {
    if (!isPlainObject(value)) throw invalidArgument(field, `must be an object, got ${describeType(value)}`);
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (!knownKeys.includes(key)) {
        throw invalidArgument(`${field}.${truncate(key, 64)}`, `unknown field (expected one of ${knownKeys.join(', ')})`);
      }
      copy[key] = value[key];
    }
    return copy;
  } catch (error) {
    if (error instanceof HostApiError) throw error;
    throw invalidArgument(field, 'could not be read');
  }
}

/**
 * Reads a string→string map (headers). Names are HTTP tokens, values visible ASCII/Latin-1
 * without CR/LF (which would let a script inject extra header lines).
 */
export function readStringMap(value: unknown, field: string, maxEntries: number): [string, string][] {
  let entries: [string, unknown][];
  try {
    if (!isPlainObject(value)) throw invalidArgument(field, `must be an object of strings, got ${describeType(value)}`);
    entries = Object.keys(value).map((key) => [key, value[key]]);
  } catch (error) {
    if (error instanceof HostApiError) throw error;
    throw invalidArgument(field, 'could not be read');
  }
  if (entries.length > maxEntries) throw invalidArgument(field, `at most ${maxEntries} entries`);
  const seen = new Set<string>();
  return entries.map(([name, headerValue]) => {
    if (!HTTP_TOKEN.test(name)) throw invalidArgument(`${field}`, `invalid header name "${truncate(name, 64)}"`);
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw invalidArgument(`${field}.${name}`, 'given twice (names are case-insensitive)');
    seen.add(lower);
    if (typeof headerValue !== 'string') throw invalidArgument(`${field}.${name}`, `must be a string, got ${describeType(headerValue)}`);
    if (/[\r\n\0]/.test(headerValue)) throw invalidArgument(`${field}.${name}`, 'must not contain CR, LF or NUL');
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(headerValue)) {
      throw invalidArgument(`${field}.${name}`, 'must contain only printable ASCII or Latin-1 characters');
    }
    return [name, headerValue];
  });
}

const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
