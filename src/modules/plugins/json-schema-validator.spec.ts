import { JsonSchemaValidator } from './json-schema-validator.js';
import { RESULT_SCHEMAS } from './plugin-results.js';

/**
 * Exponential in V8's backtracking engine: ~1.5 s for 25 a's on this kind of machine, doubling with
 * each more (so ~48 s for 30), ~0 in RE2. The bounds below are loose enough for a busy machine and
 * far below what backtracking would take.
 */
const CATASTROPHIC = '^(a+)+$';
const EVIL_INPUT = `${'a'.repeat(30)}!`;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = fn();
  return { value, ms: performance.now() - started };
}

describe('JsonSchemaValidator', () => {
  describe('plugin schemas', () => {
    it('runs `pattern` in linear time', () => {
      const validator = new JsonSchemaValidator();
      const schema = { type: 'object', properties: { name: { type: 'string', pattern: CATASTROPHIC } } };
      const { value, ms } = timed(() => validator.violations(schema, { name: EVIL_INPUT }, 'config'));
      expect(value).toEqual([{ field: 'config.name', message: `must match pattern "${CATASTROPHIC}"` }]);
      expect(ms).toBeLessThan(3_000);
      expect(validator.violations(schema, { name: 'aaaa' }, 'config')).toEqual([]);
    });

    it('runs `patternProperties` and `propertyNames` patterns in linear time', () => {
      const validator = new JsonSchemaValidator();
      const schema = {
        type: 'object',
        patternProperties: { [CATASTROPHIC]: { type: 'integer' } },
        propertyNames: { pattern: CATASTROPHIC },
      };
      const { value, ms } = timed(() => validator.violations(schema, { [EVIL_INPUT]: 'x' }, 'config'));
      expect(value.map((v) => v.message)).toEqual(['must match pattern "^(a+)+$"', 'property name must be valid']);
      expect(ms).toBeLessThan(3_000);
      expect(validator.violations(schema, { aaa: 'not an integer' }, 'config')).toEqual([{ field: 'config.aaa', message: 'must be integer' }]);
    });

    it('keeps ECMAScript pattern semantics for the usual patterns (unanchored, classes, unicode)', () => {
      const validator = new JsonSchemaValidator();
      const check = (pattern: string, text: string) => validator.violations({ type: 'string', pattern }, text, 'v').length === 0;
      expect(check('\\d{3}', 'ab123cd')).toBe(true);
      expect(check('^[a-z0-9_-]{3,16}$', 'zoe_42')).toBe(true);
      expect(check('^[a-z0-9_-]{3,16}$', 'Zoë')).toBe(false);
      expect(check('^\\p{L}+$', 'Zoë')).toBe(true);
      expect(check('^.$', '😀')).toBe(true);
      expect(check('^https?://', 'ftp://x')).toBe(false);
      expect(check('^(?<user>[^@]+)@', 'a@b')).toBe(true);
    });

    it('refuses a pattern the linear-time engine cannot run, saying why', () => {
      const validator = new JsonSchemaValidator();
      for (const pattern of ['^(?=.*\\d)[a-z\\d]+$', '(a)\\1', 'a{2000}']) {
        expect(() => validator.compile({ type: 'string', pattern })).toThrow(/not supported by the linear-time regular expression engine/);
      }
      expect(() => validator.compile({ type: 'string', pattern: 'x'.repeat(5_000) })).toThrow(/longer than 4096 characters/);
    });

    it('compiles each plugin’s schema on its own: the same $id in two plugins is no conflict', () => {
      const validator = new JsonSchemaValidator();
      const first = { $id: 'https://plugins.example/config.json', type: 'object', required: ['a'] };
      const second = { $id: 'https://plugins.example/config.json', type: 'object', required: ['b'] };
      expect(() => validator.compile(first)).not.toThrow();
      expect(() => validator.compile(second)).not.toThrow();
      expect(validator.violations(first, { a: 1 }, 'config')).toEqual([]);
      expect(validator.violations(second, { a: 1 }, 'config')).toEqual([{ field: 'config.b', message: 'is required' }]);
    });

    it('an edited schema with an $id compiles again, and the new version applies', () => {
      const validator = new JsonSchemaValidator();
      const v1 = { $id: 'urn:plugin:gateway/yipay', type: 'object', properties: { pid: { type: 'string' } } };
      validator.compile(v1);
      const v2 = { $id: 'urn:plugin:gateway/yipay', type: 'object', properties: { pid: { type: 'integer' } } };
      expect(validator.violations(v2, { pid: 'x' }, 'config')).toEqual([{ field: 'config.pid', message: 'must be integer' }]);
    });

    it('still resolves local $refs and $defs inside one schema, and still checks the schema itself', () => {
      const validator = new JsonSchemaValidator();
      const schema = { $id: 'https://plugins.example/ref.json', $defs: { port: { type: 'integer', maximum: 65535 } }, type: 'object', properties: { port: { $ref: '#/$defs/port' } } };
      expect(validator.violations(schema, { port: 70000 }, 'config')).toEqual([{ field: 'config.port', message: 'must be <= 65535' }]);
      expect(() => validator.compile({ type: 'nonsense' })).toThrow(/schema is invalid/);
      expect(() => validator.compile({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } })).toThrow(/can't resolve reference/);
    });

    it('validates formats', () => {
      const validator = new JsonSchemaValidator();
      expect(validator.violations({ type: 'string', format: 'uri' }, 'not a uri', 'config')).toEqual([{ field: 'config', message: 'must match format "uri"' }]);
    });
  });

  describe("the runtime's own result schemas", () => {
    it('share one instance and keep working', () => {
      const validator = new JsonSchemaValidator();
      expect(validator.ownViolations(RESULT_SCHEMAS.query_price, { amount: '12.50', currency: 'EUR', billing_cycle: 'monthly' }, 'query_price()')).toEqual([]);
      expect(validator.ownViolations(RESULT_SCHEMAS.query_price, { amount: '12,50', currency: 'EUR', billing_cycle: 'monthly' }, 'query_price()')).toEqual([
        { field: 'query_price().amount', message: 'must match pattern "^-?\\d+(\\.\\d+)?$"' },
      ]);
      expect(validator.compileOwn(RESULT_SCHEMAS.health_check)).toBe(validator.compileOwn(RESULT_SCHEMAS.health_check));
    });
  });
});
