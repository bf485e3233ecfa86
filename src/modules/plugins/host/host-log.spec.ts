import { DefaultHostApi } from './default-host-api.js';
import { HostApiError, type HostApiSettings, type HostCallContext, type HostLogEntry } from './host-api.types.js';
import { MAX_LOG_FIELD_VALUE_CHARS, MAX_LOG_FIELDS_CHARS, MAX_LOG_MESSAGE_CHARS } from './host-log.js';

const settings: HostApiSettings = {
  http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1_024, maxRequestBytes: 1_024, allow: [] },
  mail: { smtpUrl: null, from: 'x@example.test', timeoutMs: 1_000 },
};
const ctx: HostCallContext = { plugin: 'gateway/stripe', interfaceId: 'if-9', traceId: 'trace-9', fn: 'create_payment' };

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('DefaultHostApi.log', () => {
  let entries: HostLogEntry[];
  let api: DefaultHostApi;
  beforeEach(() => {
    entries = [];
    api = new DefaultHostApi(settings, (entry) => entries.push(entry));
  });

  it.each(['debug', 'info', 'warn', 'error'])('writes a %s entry with the call context', (level) => {
    api.log(level, 'payment created', { amount: 12.5, currency: 'EUR' }, ctx);
    expect(entries).toEqual([{ level, message: 'payment created', fields: { amount: 12.5, currency: 'EUR' }, context: ctx }]);
  });

  it('treats absent fields as empty', () => {
    api.log('info', 'no fields', undefined, ctx);
    api.log('info', 'null fields', null, ctx);
    expect(entries.map((e) => e.fields)).toEqual([{}, {}]);
  });

  it.each([['fatal'], ['INFO'], [3], [null], [{ toString: () => 'info' }]])('level %p → invalid_argument', (level) => {
    const error = thrownBy(() => api.log(level, 'x', {}, ctx));
    expect(error).toBeInstanceOf(HostApiError);
    expect(error).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^log level:/) });
    expect(entries).toEqual([]);
  });

  it.each([['a string'], [[1, 2]], [42], [new Date(0)], [new Map()]])('fields %p → invalid_argument', (fields) => {
    const error = thrownBy(() => api.log('info', 'x', fields, ctx));
    expect(error).toBeInstanceOf(HostApiError);
    expect(error).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^log fields:/) });
  });

  it('never calls a hostile toString, and does not throw', () => {
    let called = false;
    const hostile = {
      toString() {
        called = true;
        throw new Error('gotcha');
      },
      valueOf() {
        called = true;
        throw new Error('gotcha');
      },
      toJSON() {
        throw new Error('gotcha');
      },
    };
    expect(() => api.log('info', hostile, {}, ctx)).not.toThrow();
    expect(called).toBe(false);
    expect(entries[0].message).toBe('[unprintable value]');
  });

  it('stringifies non-string messages without running script code', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const message of [42, true, null, undefined, { a: 1 }, [1, 'x'], cyclic, () => 1, Symbol('s'), 10n]) api.log('info', message, undefined, ctx);
    expect(entries.map((e) => e.message)).toEqual(['42', 'true', 'null', '', '{"a":1}', '[1,"x"]', '[unprintable value]', '[function]', 'Symbol(s)', '10']);
  });

  it('caps the message length', () => {
    api.log('info', 'x'.repeat(MAX_LOG_MESSAGE_CHARS * 3), undefined, ctx);
    expect(entries[0].message.length).toBeLessThanOrEqual(MAX_LOG_MESSAGE_CHARS + 1);
  });

  it('copies fields, replacing what cannot be serialised', () => {
    const nested = { deep: true };
    const fields = Object.defineProperty({ ok: 1, nested, skip: undefined }, 'bad', {
      enumerable: true,
      get() {
        throw new Error('getter bomb');
      },
    });
    api.log('info', 'm', fields, ctx);
    expect(entries[0].fields).toEqual({ ok: 1, nested: { deep: true }, bad: '[unserialisable]' });
    expect(entries[0].fields.nested).not.toBe(nested);
  });

  it('truncates fields beyond the size cap, saying how many keys were dropped', () => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < 100; i++) fields[`k${i}`] = 'v'.repeat(200);
    api.log('info', 'big', fields, ctx);
    const logged = entries[0].fields;
    expect(JSON.stringify(logged).length).toBeLessThanOrEqual(MAX_LOG_FIELDS_CHARS + 40);
    expect(logged.k0).toBe('v'.repeat(200));
    expect(logged._truncated).toBeGreaterThan(0);
    expect(Object.keys(logged).length - 1 + (logged._truncated as number)).toBe(100);
  });

  it('survives fields that are hostile proxies', () => {
    const trap = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(thrownBy(() => api.log('info', 'x', trap, ctx))).toMatchObject({ code: 'invalid_argument' });
  });

  it('swallows a failing sink', () => {
    const broken = new DefaultHostApi(settings, () => {
      throw new Error('disk full');
    });
    expect(() => broken.log('error', 'still fine', {}, ctx)).not.toThrow();
  });
});

describe('DefaultHostApi.log volume per plugin call', () => {
  let entries: HostLogEntry[];
  let api: DefaultHostApi;
  const callContext = (): HostCallContext => ({ ...ctx, signal: new AbortController().signal });
  beforeEach(() => {
    entries = [];
    api = new DefaultHostApi(settings, (entry) => entries.push(entry));
  });

  it('writes 200 lines, then one "log limit reached" line, then nothing for that call', () => {
    const call = callContext();
    for (let i = 0; i < 1_000; i++) api.log('info', `line ${i}`, { i }, call);
    expect(entries).toHaveLength(201);
    expect(entries[199].message).toBe('line 199');
    expect(entries[200]).toMatchObject({ level: 'warn', message: 'log limit reached', fields: { max_lines: 200, max_bytes: 65_536 }, context: call });

    const next = callContext();
    api.log('info', 'another call', {}, next);
    expect(entries).toHaveLength(202);
    expect(entries[201].context).toBe(next);
  });

  it('stops at 64 KB of messages and fields per call', () => {
    const call = callContext();
    for (let i = 0; i < 100; i++) api.log('info', 'm'.repeat(4_000), { blob: 'f'.repeat(4_000) }, call);
    const written = entries.slice(0, -1);
    const bytes = written.reduce((sum, e) => sum + e.message.length + JSON.stringify(e.fields).length, 0);
    expect(bytes).toBeLessThanOrEqual(65_536);
    expect(written.length).toBeGreaterThanOrEqual(7);
    expect(entries.at(-1)!.message).toBe('log limit reached');
  });

  it('bounds each field value: long values are cut, deep ones flattened to text', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 50; i++) deep = { d: deep };
    api.log('info', 'fields', { long: 'x'.repeat(6_000), deep, fine: { a: [1, 2] } }, ctx);
    const { fields } = entries[0];
    expect(typeof fields.long).toBe('string');
    expect((fields.long as string).length).toBeLessThanOrEqual(MAX_LOG_FIELD_VALUE_CHARS + 1);
    expect(typeof fields.deep).toBe('string');
    expect((fields.deep as string).startsWith('{"d":{"d":')).toBe(true);
    expect(fields.fine).toEqual({ a: [1, 2] });
  });
});

describe('DefaultHostApi.now', () => {
  it('is the current time in milliseconds', () => {
    const api = new DefaultHostApi(settings, () => undefined);
    const before = Date.now();
    const now = api.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
