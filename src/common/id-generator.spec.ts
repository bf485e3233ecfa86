import { IdGenerator } from './id-generator.js';

describe('IdGenerator', () => {
  it('gives UUID v7s in strictly increasing order, within one millisecond and across pool refills', () => {
    const ids = new IdGenerator();
    const made = Array.from({ length: 5_000 }, () => ids.uuid());
    for (const id of made) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('carries the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = new IdGenerator().uuid();
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
});
