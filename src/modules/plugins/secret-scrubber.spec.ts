import { AppError } from '../../common/errors/app-error.js';
import { SECRET_MASK } from './plugin-config.service.js';
import { AWKWARD_SECRETS } from '../../../test/support/awkward-secrets.js';
import { SecretScrubber } from './secret-scrubber.js';

const ALL = Object.values(AWKWARD_SECRETS);

function scrubberWith(secrets: readonly string[]): SecretScrubber {
  const scrubber = new SecretScrubber();
  scrubber.set('if-1', [...secrets]);
  return scrubber;
}

describe('SecretScrubber', () => {
  describe('scrubText', () => {
    it.each(Object.entries(AWKWARD_SECRETS))('masks a %s secret in raw text', (_name, secret) => {
      const scrubber = scrubberWith([secret]);
      const text = `before ${secret} middle ${secret}after`;
      const out = scrubber.scrubText(text);
      expect(out).toBe(`before ${SECRET_MASK} middle ${SECRET_MASK}after`);
    });

    it('masks the JSON-escaped and URL-encoded spellings a script may have built itself', () => {
      const scrubber = scrubberWith([AWKWARD_SECRETS.quote, AWKWARD_SECRETS.pem, AWKWARD_SECRETS.unicode]);
      const text = `body=${JSON.stringify({ k: AWKWARD_SECRETS.quote, pem: AWKWARD_SECRETS.pem })} q=${encodeURIComponent(AWKWARD_SECRETS.unicode)}`;
      const out = scrubber.scrubText(text);
      expect(out).toBe(`body={"k":"${SECRET_MASK}","pem":"${SECRET_MASK}"} q=${SECRET_MASK}`);
    });

    it('masks a secret that contains another one whole, and never re-masks the mask', () => {
      const scrubber = scrubberWith(['abc', 'abcdef', '*']);
      expect(scrubber.scrubText('x abcdef y abc z *')).toBe(`x ${SECRET_MASK} y ${SECRET_MASK} z ${SECRET_MASK}`);
    });

    it('keeps `scrub` as a bound alias (passed around as a callback)', () => {
      const { scrub } = scrubberWith(['s3cr3t']);
      expect(scrub('a s3cr3t')).toBe(`a ${SECRET_MASK}`);
    });

    it('forgets the secrets of a deleted key; an empty secret masks nothing', () => {
      const scrubber = scrubberWith(['s3cr3t', '']);
      expect(scrubber.scrubText('ok')).toBe('ok');
      scrubber.delete('if-1');
      expect(scrubber.scrubText('a s3cr3t')).toBe('a s3cr3t');
    });
  });

  describe('scrubValue', () => {
    it('masks every string value and every key, leaving numbers, booleans and null alone', () => {
      const scrubber = scrubberWith(ALL);
      const value = {
        [AWKWARD_SECRETS.quote]: 'key is a secret',
        list: [AWKWARD_SECRETS.pem, { deeper: `x${AWKWARD_SECRETS.unicode}y` }],
        asString: { a: AWKWARD_SECRETS.jsonNull, b: AWKWARD_SECRETS.jsonTrue, digits: AWKWARD_SECRETS.digits },
        literal: { n: 123, t: true, z: null },
        path: AWKWARD_SECRETS.backslash,
      };
      const out = scrubber.scrubValue(value);
      expect(out).toEqual({
        [SECRET_MASK]: 'key is a secret',
        list: [SECRET_MASK, { deeper: `x${SECRET_MASK}y` }],
        asString: { a: SECRET_MASK, b: SECRET_MASK, digits: SECRET_MASK },
        literal: { n: 123, t: true, z: null },
        path: SECRET_MASK,
      });
      const text = JSON.stringify(out);
      for (const secret of [AWKWARD_SECRETS.quote, AWKWARD_SECRETS.pem, AWKWARD_SECRETS.unicode, AWKWARD_SECRETS.backslash]) {
        expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
      }
    });

    it('keeps both values when two keys scrub to the same text', () => {
      const scrubber = scrubberWith(['null', 'true']);
      expect(scrubber.scrubValue({ null: 1, true: 2, other: 3 })).toEqual({ [SECRET_MASK]: 1, [`${SECRET_MASK}~2`]: 2, other: 3 });
    });

    it('returns a copy and leaves the original untouched', () => {
      const scrubber = scrubberWith(['s3cr3t']);
      const value = { a: { b: 's3cr3t' } };
      const out = scrubber.scrubValue(value);
      expect(out).not.toBe(value);
      expect(out.a).not.toBe(value.a);
      expect(value.a.b).toBe('s3cr3t');
    });

    it('survives cycles and shared references', () => {
      const scrubber = scrubberWith(['s3cr3t']);
      const shared = { token: 's3cr3t' };
      const value: Record<string, unknown> = { one: shared, two: shared };
      value.self = value;
      const out = scrubber.scrubValue(value) as Record<string, any>;
      expect(out.one).toEqual({ token: SECRET_MASK });
      expect(out.two).toBe(out.one);
      expect(out.self).toBe(out);
    });

    it('survives a value nested deeper than the call stack allows', () => {
      const scrubber = scrubberWith(['s3cr3t']);
      let value: unknown = 's3cr3t';
      for (let i = 0; i < 100_000; i++) value = [value];
      let out = scrubber.scrubValue(value);
      for (let i = 0; i < 100_000; i++) out = (out as unknown[])[0];
      expect(out).toBe(SECRET_MASK);
    });

    it('copies a key named __proto__ as data, without changing the copy’s prototype', () => {
      const scrubber = scrubberWith(['s3cr3t']);
      const value = JSON.parse('{"__proto__": {"polluted": "s3cr3t"}}') as Record<string, unknown>;
      const out = scrubber.scrubValue(value);
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: SECRET_MASK });
    });
  });

  describe('scrubError', () => {
    it('masks the message and the details deep, keeping the code and the cause', () => {
      const scrubber = scrubberWith(ALL);
      const cause = new Error('sandbox said so');
      const error = new AppError(
        'plugins.script_error',
        `script threw: bad key ${AWKWARD_SECRETS.quote}`,
        { name: `E${AWKWARD_SECRETS.pem}`, message: `bad key ${AWKWARD_SECRETS.unicode}`, code: AWKWARD_SECRETS.digits, line: 12, nested: { why: [AWKWARD_SECRETS.short] } },
        { cause },
      );
      const out = scrubber.scrubError(error);
      expect(out).toBeInstanceOf(AppError);
      expect(out.code).toBe('plugins.script_error');
      expect(out.message).toBe(`script threw: bad key ${SECRET_MASK}`);
      expect(out.details).toEqual({ name: `E${SECRET_MASK}`, message: `bad key ${SECRET_MASK}`, code: SECRET_MASK, line: 12, nested: { why: [SECRET_MASK] } });
      expect(out.cause).toBe(cause);
    });

    it('keeps null details null', () => {
      const out = scrubberWith(['s3cr3t']).scrubError(new AppError('plugins.timeout', 'slow s3cr3t'));
      expect(out.details).toBeNull();
      expect(out.message).toBe(`slow ${SECRET_MASK}`);
    });
  });

  it('scoped(key) masks that key\'s secrets only, and follows later changes', () => {
    const scrubber = new SecretScrubber();
    scrubber.set('if-a', ['k']);
    scrubber.set('if-b', ['bee-secret']);
    expect(scrubber.scoped('if-b').scrubValue({ key: 'k', v: 'x bee-secret k' })).toEqual({ key: 'k', v: 'x ******** k' });
    expect(scrubber.scoped('if-a').scrubText('k bee-secret')).toBe('******** bee-secret');
    scrubber.set('if-b', ['other']);
    expect(scrubber.scoped('if-b').scrubText('bee-secret other')).toBe('bee-secret ********');
    expect(scrubber.scoped('if-none').scrubText('k other')).toBe('k other');
  });
});
