import { acceptOrCreateTraceId, newTraceId } from './request-context.js';

describe('trace ids', () => {
  it('are 32 hex characters and distinct, across refills of the random pool', () => {
    const ids = Array.from({ length: 2_000 }, newTraceId);
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keep a caller-supplied id that looks like one, else make one', () => {
    expect(acceptOrCreateTraceId('abc-123_XYZ.9')).toBe('abc-123_XYZ.9');
    expect(acceptOrCreateTraceId('short')).toMatch(/^[0-9a-f]{32}$/);
    expect(acceptOrCreateTraceId('has space in it')).toMatch(/^[0-9a-f]{32}$/);
  });
});
