import { AppError } from '../../common/errors/app-error.js';
import { JsonSchemaValidator } from './json-schema.js';
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
});
