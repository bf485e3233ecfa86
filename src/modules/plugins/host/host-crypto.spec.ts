import { createHmac } from 'node:crypto';
import { DefaultHostApi } from './default-host-api.js';
import { CRYPTO_FUNCTIONS, HostApiError, type HostApiSettings } from './host-api.types.js';

const settings: HostApiSettings = {
  http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1_024, maxRequestBytes: 1_024, allow: [] },
  mail: { smtpUrl: null, from: 'x@example.test', timeoutMs: 1_000 },
};
const api = new DefaultHostApi(settings, () => undefined);
const FOX = 'The quick brown fox jumps over the lazy dog';

describe('DefaultHostApi.crypto', () => {
  it.each<[string, unknown[], string | boolean]>([
    ['hmacSha256', ['key', FOX], 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'],
    ['hmacSha256', ['key', FOX, 'hex'], 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'],
    ['hmacSha256', ['key', FOX, 'base64'], '97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg='],
    ['hmacSha256', ['', ''], 'b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad'],
    ['hmacSha1', ['key', FOX], 'de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9'],
    ['hmacSha1', ['key', FOX, 'base64'], '3nybhbi3iqa8ino29wqQcBydtNk='],
    ['sha256', ['abc'], 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha256', [''], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['sha256', ['abc', 'base64'], 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='],
    ['sha1', ['abc'], 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['md5', [''], 'd41d8cd98f00b204e9800998ecf8427e'],
    ['md5', [FOX], '9e107d9d372bb6826bd81d3542a419d6'],
    ['base64Encode', ['hello'], 'aGVsbG8='],
    ['base64Encode', ['héllo ✓'], 'aMOpbGxvIOKckw=='],
    ['base64Decode', ['aGVsbG8='], 'hello'],
    ['base64Decode', ['aMOpbGxvIOKckw=='], 'héllo ✓'],
    ['base64Decode', ['aGVsbG8'], 'hello'],
    ['base64Decode', ['Pj4-Pw'], '>>>?'],
    ['base64UrlEncode', ['>>>?'], 'Pj4-Pw'],
    ['hexEncode', ['abc'], '616263'],
    ['hexEncode', ['é'], 'c3a9'],
    ['hexDecode', ['616263'], 'abc'],
    ['hexDecode', ['C3A9'], 'é'],
    ['timingSafeEqual', ['s3cret', 's3cret'], true],
    ['timingSafeEqual', ['s3cret', 's3creT'], false],
    ['timingSafeEqual', ['short', 'much longer value'], false],
    ['timingSafeEqual', ['', ''], true],
    ['sha256', ['abc', undefined], 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('%s(%j)', (name, args, expected) => {
    expect(api.crypto(name, args)).toBe(expected);
  });

  it('randomId gives 32 fresh hex chars', () => {
    const a = api.crypto('randomId', []);
    const b = api.crypto('randomId', []);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });

  it('randomUuid gives a fresh v4 UUID', () => {
    const a = api.crypto('randomUuid', []);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(api.crypto('randomUuid', [])).not.toBe(a);
  });

  it('covers every listed function', () => {
    for (const name of CRYPTO_FUNCTIONS) {
      const arity = name.startsWith('random') ? 0 : name === 'timingSafeEqual' || name.startsWith('hmac') ? 2 : 1;
      const args = Array.from({ length: arity }, () => '00');
      expect(['string', 'boolean']).toContain(typeof api.crypto(name, args));
    }
  });

  it.each<[string, string, unknown]>([
    ['unknown function', 'sha512', ['x']],
    ['prototype key as name', '__proto__', []],
    ['inherited key as name', 'constructor', []],
    ['name not a string', 42 as unknown as string, []],
    ['args not an array', 'sha256', 'abc'],
    ['data not a string', 'sha256', [42]],
    ['data an object', 'sha256', [{ toString: () => 'abc' }]],
    ['key not a string', 'hmacSha256', [null, 'data']],
    ['bad encoding', 'sha256', ['abc', 'latin1']],
    ['too few arguments', 'hmacSha256', ['key']],
    ['too many arguments', 'md5', ['a', 'hex', 'extra']],
    ['arguments to randomId', 'randomId', [16]],
    ['invalid base64', 'base64Decode', ['not base64!']],
    ['base64 of impossible length', 'base64Decode', ['abcde']],
    ['odd hex', 'hexDecode', ['abc']],
    ['non-hex', 'hexDecode', ['zz']],
    ['unknown key encoding', 'hmacSha256', ['k', 'd', 'hex', 'latin1']],
    ['key not base64', 'hmacSha256', ['not base64!', 'd', 'hex', 'base64']],
  ])('%s → invalid_argument', (_case, name, args) => {
    let thrown: unknown;
    try {
      api.crypto(name, args as unknown[]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HostApiError);
    expect(thrown).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^crypto/) });
  });

  it('takes a binary key with keyEncoding (Standard Webhooks whsec_ secrets)', () => {
    const key = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    const expected = createHmac('sha256', key).update('msg.1.{}').digest('base64');
    expect(api.crypto('hmacSha256', [key.toString('base64'), 'msg.1.{}', 'base64', 'base64'])).toBe(expected);
    expect(api.crypto('hmacSha256', [key.toString('hex'), 'msg.1.{}', 'base64', 'hex'])).toBe(expected);
  });
});
