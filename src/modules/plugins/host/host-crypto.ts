import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { CRYPTO_FUNCTIONS, HostApiError } from './host-api.types.js';
import { describeType, invalidArgument } from './host-validation.js';

/**
 * The `crypto.*` helpers of the host API (see CRYPTO_FUNCTIONS for the contract). Inputs are
 * strings only: a script handing a number or an object where a key belongs has a bug we want to
 * surface, not silently hash "[object Object]".
 */

type CryptoName = (typeof CRYPTO_FUNCTIONS)[number];
type Encoding = 'hex' | 'base64';

interface CryptoFunction {
  /** Argument names, for messages; optional ones last. */
  params: readonly string[];
  required: number;
  run(args: unknown[]): string | boolean;
}

const FUNCTIONS: Record<CryptoName, CryptoFunction> = {
  hmacSha256: hmac('sha256'),
  hmacSha1: hmac('sha1'),
  sha256: hash('sha256'),
  sha1: hash('sha1'),
  md5: hash('md5'),
  base64Encode: {
    params: ['text'],
    required: 1,
    run: ([text]) => Buffer.from(str('base64Encode', 'text', text), 'utf8').toString('base64'),
  },
  base64Decode: {
    params: ['b64'],
    required: 1,
    run: ([b64]) => {
      const text = str('base64Decode', 'b64', b64).replace(/\s+/g, '');
      // Buffer.from silently skips junk; a strict check turns a mangled input into an error.
      // Both alphabets are accepted (JWT segments are base64url), padding optional.
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1 || (text.includes('=') && text.length % 4 !== 0)) {
        throw invalidArgument('crypto.base64Decode: b64', 'is not valid base64');
      }
      return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    },
  },
  base64UrlEncode: {
    params: ['text'],
    required: 1,
    run: ([text]) => Buffer.from(str('base64UrlEncode', 'text', text), 'utf8').toString('base64url'),
  },
  hexEncode: {
    params: ['text'],
    required: 1,
    run: ([text]) => Buffer.from(str('hexEncode', 'text', text), 'utf8').toString('hex'),
  },
  hexDecode: {
    params: ['hex'],
    required: 1,
    run: ([hex]) => {
      const text = str('hexDecode', 'hex', hex);
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw invalidArgument('crypto.hexDecode: hex', 'is not an even-length hex string');
      return Buffer.from(text, 'hex').toString('utf8');
    },
  },
  randomId: { params: [], required: 0, run: () => randomBytes(16).toString('hex') },
  randomUuid: { params: [], required: 0, run: () => randomUUID() },
  timingSafeEqual: {
    params: ['a', 'b'],
    required: 2,
    run: ([a, b]) => {
      // Comparing digests keeps the time independent of where (and whether) the lengths differ,
      // which a raw timingSafeEqual cannot do: it throws on a length mismatch.
      const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
      return timingSafeEqual(digest(str('timingSafeEqual', 'a', a)), digest(str('timingSafeEqual', 'b', b)));
    },
  },
};

export function runHostCrypto(name: unknown, args: unknown): string | boolean {
  if (typeof name !== 'string' || !Object.hasOwn(FUNCTIONS, name)) {
    throw invalidArgument('crypto', `unknown function, expected one of ${CRYPTO_FUNCTIONS.join(', ')}`);
  }
  const fn = FUNCTIONS[name as CryptoName];
  if (!Array.isArray(args)) throw invalidArgument(`crypto.${name}`, `arguments must be an array, got ${describeType(args)}`);
  // Trailing undefined is "not given": crypto.sha256(x, undefined) behaves like crypto.sha256(x).
  let count = args.length;
  while (count > 0 && args[count - 1] === undefined) count--;
  if (count < fn.required || count > fn.params.length) {
    const expected = fn.params.length === 0 ? 'no arguments' : `(${fn.params.map((p, i) => (i < fn.required ? p : `${p}?`)).join(', ')})`;
    throw invalidArgument(`crypto.${name}`, `expects ${expected}, got ${count} argument${count === 1 ? '' : 's'}`);
  }
  try {
    return fn.run(args.slice(0, count));
  } catch (error) {
    if (error instanceof HostApiError) throw error;
    throw invalidArgument(`crypto.${name}`, 'failed on its input');
  }
}

/**
 * hmacSha256(key, data, encoding?, keyEncoding?): the key is text by default; keyEncoding "base64"
 * or "hex" takes it as binary (Standard Webhooks' whsec_ secrets are base64 bytes).
 */
function hmac(algorithm: 'sha256' | 'sha1'): CryptoFunction {
  const name = algorithm === 'sha256' ? 'hmacSha256' : 'hmacSha1';
  return {
    params: ['key', 'data', 'encoding', 'keyEncoding'],
    required: 2,
    run: ([key, data, encoding, keyEncoding]) =>
      createHmac(algorithm, keyBytes(name, str(name, 'key', key), keyEncoding))
        .update(str(name, 'data', data), 'utf8')
        .digest(enc(name, encoding)),
  };
}

function keyBytes(fn: string, key: string, keyEncoding: unknown): Buffer {
  if (keyEncoding === undefined || keyEncoding === null || keyEncoding === 'utf8') return Buffer.from(key, 'utf8');
  if (keyEncoding === 'hex') {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(key)) throw invalidArgument(`crypto.${fn}: key`, 'is not an even-length hex string');
    return Buffer.from(key, 'hex');
  }
  if (keyEncoding === 'base64') {
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(key)) throw invalidArgument(`crypto.${fn}: key`, 'is not valid base64');
    return Buffer.from(key.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  throw invalidArgument(`crypto.${fn}: keyEncoding`, 'must be "utf8", "hex" or "base64"');
}

function hash(algorithm: 'sha256' | 'sha1' | 'md5'): CryptoFunction {
  return {
    params: ['data', 'encoding'],
    required: 1,
    run: ([data, encoding]) => createHash(algorithm).update(str(algorithm, 'data', data), 'utf8').digest(enc(algorithm, encoding)),
  };
}

function str(fn: string, param: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidArgument(`crypto.${fn}: ${param}`, `must be a string, got ${describeType(value)}`);
  return value;
}

function enc(fn: string, value: unknown): Encoding {
  if (value === undefined || value === null) return 'hex';
  if (value !== 'hex' && value !== 'base64') throw invalidArgument(`crypto.${fn}: encoding`, 'must be "hex" or "base64"');
  return value;
}
