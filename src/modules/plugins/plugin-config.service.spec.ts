import { AppError } from '../../common/errors/app-error.js';
import { AWKWARD_SECRETS } from '../../../test/support/awkward-secrets.js';
import { JsonSchemaValidator } from './json-schema-validator.js';
import { PluginConfigService, SECRET_MASK } from './plugin-config.service.js';

const SCHEMA = {
  type: 'object',
  required: ['api_url', 'key'],
  additionalProperties: false,
  properties: {
    api_url: { type: 'string', format: 'uri' },
    key: { type: 'string', writeOnly: true, minLength: 3 },
    pid: { type: 'integer', minimum: 1 },
    smtp: {
      type: 'object',
      properties: { user: { type: 'string' }, password: { type: 'string', format: 'password' } },
    },
    accounts: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, token: { type: 'string', writeOnly: true } } } },
  },
};

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('PluginConfigService', () => {
  const configs = new PluginConfigService(new JsonSchemaValidator());

  describe('parse', () => {
    it('accepts a JSON object', () => {
      expect(configs.parse('{"api_url":"https://pay.example.com","key":"xxx"}')).toEqual({ api_url: 'https://pay.example.com', key: 'xxx' });
    });

    it.each([
      ['malformed JSON', '{"api_url": ', /config_json: is not valid JSON/],
      ['an array', '[1,2]', /config_json: must be a JSON object/],
      ['a string', '"x"', /config_json: must be a JSON object/],
      ['null', 'null', /config_json: must be a JSON object/],
    ])('rejects %s as common.validation_failed naming the field', (_name, json, message) => {
      const error = failure(() => configs.parse(json));
      expect(error.code).toBe('common.validation_failed');
      expect(error.message).toMatch(message);
    });
  });

  describe('validate', () => {
    it('accepts a config that satisfies the schema', () => {
      expect(() => configs.validate(SCHEMA, { api_url: 'https://pay.example.com', key: 'xxx', pid: 1001 })).not.toThrow();
    });

    it('names every violation by its path', () => {
      const error = failure(() => configs.validate(SCHEMA, { api_url: 'not a url', pid: 0, extra: true, smtp: { user: 5 } }));
      expect(error.code).toBe('plugins.invalid_config');
      const fields = (error.details!.violations as { field: string }[]).map((v) => v.field).sort();
      expect(fields).toEqual(['config.api_url', 'config.extra', 'config.key', 'config.pid', 'config.smtp.user']);
      expect(error.message).toContain('config.key: is required');
      expect(error.message).toContain('config.api_url: must match format "uri"');
    });
  });

  describe('secrets', () => {
    const stored = {
      api_url: 'https://pay.example.com',
      key: 'the-real-key',
      smtp: { user: 'mailer', password: 'smtp-pass' },
      accounts: [
        { name: 'a', token: 'tok-a' },
        { name: 'b', token: 'tok-b' },
      ],
    };

    it('masks writeOnly and format:password values, nested and in arrays, leaving the rest', () => {
      expect(configs.mask(SCHEMA, stored)).toEqual({
        api_url: 'https://pay.example.com',
        key: SECRET_MASK,
        smtp: { user: 'mailer', password: SECRET_MASK },
        accounts: [
          { name: 'a', token: SECRET_MASK },
          { name: 'b', token: SECRET_MASK },
        ],
      });
    });

    it('does not invent a mask for an unset secret', () => {
      expect(configs.mask(SCHEMA, { api_url: 'https://x.example', key: '' })).toEqual({ api_url: 'https://x.example', key: '' });
    });

    it('an update sending the mask back keeps the stored secret; a new value replaces it', () => {
      const incoming = {
        api_url: 'https://pay2.example.com',
        key: SECRET_MASK,
        smtp: { user: 'mailer2', password: 'new-pass' },
        accounts: [
          { name: 'a', token: SECRET_MASK },
          { name: 'b', token: 'tok-b2' },
        ],
      };
      expect(configs.mergeSecrets(SCHEMA, stored, incoming)).toEqual({
        api_url: 'https://pay2.example.com',
        key: 'the-real-key',
        smtp: { user: 'mailer2', password: 'new-pass' },
        accounts: [
          { name: 'a', token: 'tok-a' },
          { name: 'b', token: 'tok-b2' },
        ],
      });
    });

    it('lists the secret values, for scrubbing logs', () => {
      expect(configs.secretValues(SCHEMA, stored).sort()).toEqual(['smtp-pass', 'the-real-key', 'tok-a', 'tok-b']);
    });
  });
  describe('secrets wherever a schema can declare them', () => {
    const secret = { type: 'string', writeOnly: true };
    const password = { type: 'string', format: 'password' };
    const COMBOS = {
      type: 'object',
      $defs: { credential: { type: 'object', properties: { token: secret, label: { type: 'string' } } } },
      definitions: { pin: password },
      properties: {
        auth: {
          anyOf: [
            { type: 'object', properties: { api_key: secret } },
            { type: 'object', properties: { user: { type: 'string' }, pass: password } },
          ],
        },
        mode: { oneOf: [{ type: 'string' }, { type: 'object', properties: { hmac: secret } }] },
        merged: { allOf: [{ type: 'object', properties: { plain: { type: 'string' } } }, { properties: { hidden: secret } }] },
        primary: { $ref: '#/$defs/credential' },
        backup: { $ref: '#/definitions/pin' },
        pointer: { $ref: '#/properties/auth' },
        headers: { type: 'object', additionalProperties: secret },
        env: { type: 'object', properties: { region: { type: 'string' } }, patternProperties: { '^SECRET_': secret, '^PUBLIC_': { type: 'string' } } },
        tokens: { type: 'array', items: secret },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, secret], items: { type: 'string' } },
        tuple: { type: 'array', items: [{ type: 'string' }, secret], additionalItems: secret },
        deep: {
          type: 'array',
          items: { anyOf: [{ $ref: '#/$defs/credential' }, { type: 'object', additionalProperties: { allOf: [{ oneOf: [password] }] } }] },
        },
        conditional: { type: 'object', if: { properties: { kind: { const: 'basic' } } }, then: { properties: { basic: secret } }, else: { properties: { bearer: secret } } },
      },
    };
    const config: Record<string, any> = {
      auth: { api_key: AWKWARD_SECRETS.quote, user: 'u', pass: AWKWARD_SECRETS.single },
      mode: { hmac: AWKWARD_SECRETS.pem },
      merged: { plain: 'visible', hidden: AWKWARD_SECRETS.unicode },
      primary: { token: AWKWARD_SECRETS.backslash, label: 'main' },
      backup: AWKWARD_SECRETS.digits,
      pointer: { api_key: 'via-pointer' },
      headers: { 'x-api-key': AWKWARD_SECRETS.jsonNull },
      env: { region: 'eu', SECRET_KEY: AWKWARD_SECRETS.jsonTrue, PUBLIC_ID: 'pub' },
      tokens: ['t1', AWKWARD_SECRETS.short],
      pair: ['name', 'pair-secret', 'tail'],
      tuple: ['name', 'tuple-secret', 'extra-secret'],
      deep: [{ token: 'deep-token' }, { anything: 'deep-password' }],
      conditional: { kind: 'basic', basic: 'basic-secret', bearer: 'bearer-secret' },
    };
    const masked: Record<string, any> = {
      auth: { api_key: SECRET_MASK, user: 'u', pass: SECRET_MASK },
      mode: { hmac: SECRET_MASK },
      merged: { plain: 'visible', hidden: SECRET_MASK },
      primary: { token: SECRET_MASK, label: 'main' },
      backup: SECRET_MASK,
      pointer: { api_key: SECRET_MASK },
      headers: { 'x-api-key': SECRET_MASK },
      env: { region: 'eu', SECRET_KEY: SECRET_MASK, PUBLIC_ID: 'pub' },
      tokens: [SECRET_MASK, SECRET_MASK],
      pair: ['name', SECRET_MASK, 'tail'],
      tuple: ['name', SECRET_MASK, SECRET_MASK],
      deep: [{ token: SECRET_MASK }, { anything: SECRET_MASK }],
      conditional: { kind: 'basic', basic: SECRET_MASK, bearer: SECRET_MASK },
    };

    it('the schema itself compiles (it is a real one)', () => {
      expect(() => configs.validate(COMBOS, config)).not.toThrow();
    });

    it('finds every secret value, however short or awkward', () => {
      expect(configs.secretValues(COMBOS, config).sort()).toEqual(
        [
          AWKWARD_SECRETS.quote,
          AWKWARD_SECRETS.single,
          AWKWARD_SECRETS.pem,
          AWKWARD_SECRETS.unicode,
          AWKWARD_SECRETS.backslash,
          AWKWARD_SECRETS.digits,
          'via-pointer',
          AWKWARD_SECRETS.jsonNull,
          AWKWARD_SECRETS.jsonTrue,
          't1',
          AWKWARD_SECRETS.short,
          'pair-secret',
          'tuple-secret',
          'extra-secret',
          'deep-token',
          'deep-password',
          'basic-secret',
          'bearer-secret',
        ].sort(),
      );
    });

    it('masks them all, leaving the rest', () => {
      expect(configs.mask(COMBOS, config)).toEqual(masked);
    });

    it('merges them all back when the mask is sent back', () => {
      expect(configs.mergeSecrets(COMBOS, config, masked)).toEqual(config);
    });

    it('counts a field declared secret in any branch of anyOf/oneOf as a secret (which branch matched is not known)', () => {
      const schema = { anyOf: [{ type: 'object', properties: { value: secret } }, { type: 'object', properties: { value: { type: 'string' } } }] };
      expect(configs.mask(schema, { value: 'v', other: 'o' })).toEqual({ value: SECRET_MASK, other: 'o' });
    });

    it('lists the string values inside a secret object or array, and a numeric secret as text', () => {
      const schema = { type: 'object', properties: { creds: { type: 'object', writeOnly: true }, pin: { type: 'integer', writeOnly: true } } };
      expect(configs.secretValues(schema, { creds: { id: 'cid', keys: ['k-1', { k: 'k-2' }] }, pin: 4711 }).sort()).toEqual(['4711', 'cid', 'k-1', 'k-2']);
    });

    it('terminates on recursive schemas and survives deep configs', () => {
      const tree = { type: 'object', properties: { key: secret, child: { $ref: '#' } } };
      let value: Record<string, unknown> = { key: 'leaf-secret' };
      for (let i = 0; i < 20_000; i++) value = { child: value };
      expect(configs.secretValues(tree, value)).toEqual(['leaf-secret']);
      expect(configs.secretValues({ $ref: '#' }, { a: 'x' })).toEqual([]);
    });

    it('does not run a catastrophic patternProperties regex on the host', () => {
      const schema = { type: 'object', patternProperties: { '^(a|a|aa|aaa|aaaa|aaaaa)*$': secret } };
      const started = Date.now();
      expect(configs.secretValues(schema, { [`${'a'.repeat(40)}!`]: 'v' })).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
    });
  });
});
