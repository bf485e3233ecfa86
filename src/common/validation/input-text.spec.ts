import { AppError } from '../errors/app-error.js';
import { assertInputText, inputTextViolation, MAX_JSON_DEPTH } from './input-text.js';

const nested = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
};

describe('inputTextViolation (the one string rule of every transport)', () => {
  it('accepts ordinary text, paired surrogates (emoji), other control characters and scalars', () => {
    expect(inputTextViolation({ name: 'Nguyễn Văn A 😀', tab: 'a\tb\n', n: 1, ok: true, none: null, at: new Date(0), list: ['x', { y: 'z' }] }, '')).toBeNull();
  });

  it.each([
    ['U+0000 in a value', { data: { note: 'a\u0000b' } }, 'data.note', 'U+0000'],
    ['a lone high surrogate', { data: { items: [{ name: 'ok' }, { name: 'x\ud800' }] } }, 'data.items[1].name', 'unpaired'],
    ['a lone low surrogate', { s: '\udc00x' }, 's', 'unpaired'],
    ['a reversed pair', { s: '\udc00\ud800' }, 's', 'unpaired'],
    ['U+0000 in a key', { data: { 'k\u0000': 1 } }, 'data.k\\u0000', '(a key) must not contain U+0000'],
    ['a surrogate in a key', { ['\ud83d']: 1 }, '\\uD83D', '(a key)'],
  ])('refuses %s, naming the field', (_name, value, field, message) => {
    expect(inputTextViolation(value, '')).toEqual({ field, message: expect.stringContaining(message) });
  });

  it('prefixes the root it is given (a batch names the event)', () => {
    expect(inputTextViolation({ name: '\u0000' }, 'events[2].data')?.field).toBe('events[2].data.name');
    expect(inputTextViolation('\u0000', 'event_id')?.field).toBe('event_id');
  });

  it(`caps nesting at ${MAX_JSON_DEPTH} levels, without recursion even at 100,000`, () => {
    expect(inputTextViolation(nested(MAX_JSON_DEPTH), '')).toBeNull();
    expect(inputTextViolation(nested(MAX_JSON_DEPTH + 1), 'data')).toEqual({ field: expect.stringMatching(/^data/), message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
    expect(inputTextViolation(nested(100_000), 'data')?.message).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('throws common.validation_failed with one violation', () => {
    try {
      assertInputText({ a: '\u0000' }, '');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('common.validation_failed');
      expect((err as AppError).details?.violations).toEqual([{ field: 'a', message: 'must not contain U+0000 (NUL)' }]);
    }
  });
});
