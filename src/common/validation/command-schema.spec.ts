import { AppError } from '../errors/app-error.js';
import { defineCommand } from './command-schema.js';

describe('defineCommand', () => {
  const command = defineCommand<{ name: string; when?: string }>('probe', {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', enum: ['a', 'b'] }, when: { type: 'string', format: 'date-time' }, tags: { type: 'array', items: { type: 'string' } } },
    additionalProperties: false,
  });
  const violations = (value: unknown) => {
    try {
      command.parse(value);
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('common.validation_failed');
      return ((err as AppError).details as { violations: { field: string; message: string }[] }).violations;
    }
  };

  it('returns the value itself when it matches', () => {
    const value = { name: 'a', when: '2026-01-01T00:00:00Z' };
    expect(command.parse(value)).toBe(value);
  });

  it('names every bad field once, by its wire path, all at once', () => {
    expect(violations({ name: null, when: '', tags: ['x', 3], extra: 1 })).toEqual([
      { field: 'extra', message: 'is not allowed' },
      { field: 'name', message: 'must be string' },
      { field: 'when', message: 'must match format "date-time"' },
      { field: 'tags[1]', message: 'must be string' },
    ]);
    expect(violations({})).toEqual([{ field: 'name', message: 'is required' }]);
    expect(violations([])).toEqual([{ field: 'body', message: 'must be object' }]);
    expect(violations({ name: 'c' })).toEqual([{ field: 'name', message: 'must be equal to one of the allowed values: a, b' }]);
  });

  it('refuses a schema with a misspelt keyword when it is defined, not when a request comes', () => {
    expect(() => defineCommand('typo', { type: 'object', propertees: {} })).toThrow(/unknown keyword/);
  });
});
