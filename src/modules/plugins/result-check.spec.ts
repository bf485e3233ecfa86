import { JsonSchemaValidator } from './json-schema-validator.js';
import { assertContractResult, sanitizeResult } from './result-check.js';

describe('sanitizeResult', () => {
  it('removes own __proto__, constructor and prototype keys at every depth, keeping the rest', () => {
    const parsed = JSON.parse(
      '{"outcome":"success","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},' +
        '"data":[{"prototype":"p","keep":1},{"nested":{"__proto__":null,"constructor":"c","ok":"yes"}}]}',
    ) as unknown;
    const clean = sanitizeResult(parsed) as Record<string, any>;
    expect(clean).toEqual({ outcome: 'success', data: [{ keep: 1 }, { nested: { ok: 'yes' } }] });
    for (const node of [clean, clean.data[0], clean.data[1].nested]) {
      for (const key of ['__proto__', 'constructor', 'prototype']) expect(Object.prototype.hasOwnProperty.call(node, key)).toBe(false);
    }
  });

  it('makes the result safe to Object.assign into a host object', () => {
    const clean = sanitizeResult(JSON.parse('{"healthy":true,"__proto__":{"isAdmin":true}}')) as object;
    const merged = Object.assign({}, clean) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(merged.isAdmin).toBeUndefined();
    expect(merged).toEqual({ healthy: true });
  });

  it('passes scalars and clean values through, and survives very deep values', () => {
    expect(sanitizeResult('1.0.0')).toBe('1.0.0');
    expect(sanitizeResult(null)).toBeNull();
    expect(sanitizeResult({ a: [1, { b: 2 }] })).toEqual({ a: [1, { b: 2 }] });
    let deep: unknown = JSON.parse('{"__proto__":{"x":1},"leaf":true}');
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let out = sanitizeResult(deep);
    for (let i = 0; i < 100_000; i++) out = (out as unknown[])[0];
    expect(out).toEqual({ leaf: true });
  });

  it('a sanitized result still passes the contract check (the check itself let them through)', () => {
    const schemas = new JsonSchemaValidator();
    const raw = JSON.parse('{"healthy":true,"constructor":"x"}') as unknown;
    expect(() => assertContractResult(schemas, 'notifier/x', 'health_check', raw)).not.toThrow();
    expect(() => assertContractResult(schemas, 'notifier/x', 'health_check', sanitizeResult(raw))).not.toThrow();
  });
});

describe('spec_template field types', () => {
  const schemas = new JsonSchemaValidator();
  const template = (field_type: string) => ({ fields: [{ key: 'cpu_cores', label: 'CPU', field_type }] });

  it.each(['Integer', 'String', 'Select', 'Region', 'OsOptions', 'Boolean'])('accepts RustBill\'s %s', (type) => {
    expect(() => assertContractResult(schemas, 'first_party_provider/x', 'spec_template', template(type))).not.toThrow();
  });

  it.each(['number', 'select', 'integer', 'text', ''])('refuses %j, naming the field', (type) => {
    expect(() => assertContractResult(schemas, 'first_party_provider/x', 'spec_template', template(type))).toThrow(/field_type/);
  });
});
