import { HttpTarget } from '../../../../test/support/fake-servers/http-target.js';
import { SmtpSink } from '../../../../test/support/fake-servers/smtp-sink.js';
import { HostApiError, type HostApiSettings, type HostCallContext, type HostLogEntry } from './host-api.types.js';
import { InspectionHostApi } from './inspection-host-api.js';
import { rejectionOf } from '../../../../test/support/rejection.js';

const ctx: HostCallContext = { plugin: 'notifier/webhook', interfaceId: null, traceId: null, fn: 'config_schema' };

const failure = (call: Promise<unknown>) => rejectionOf(call, HostApiError);

describe('InspectionHostApi', () => {
  let target: HttpTarget;
  let smtp: SmtpSink;
  let entries: HostLogEntry[];
  let api: InspectionHostApi;

  beforeAll(async () => {
    target = await HttpTarget.start();
    smtp = await SmtpSink.start();
  });
  afterAll(async () => {
    await target.close();
    await smtp.close();
  });
  beforeEach(() => {
    target.reset();
    smtp.reset();
    entries = [];
    const settings: HostApiSettings = {
      http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1_024, maxRequestBytes: 1_024, allow: [target.hostPort] },
      mail: { smtpUrl: smtp.url(), from: 'Switchboard <switchboard@example.test>', timeoutMs: 1_000 },
    };
    api = new InspectionHostApi(settings, (entry) => entries.push(entry));
  });

  it('refuses http.request at once, without connecting, even to an allowed host', async () => {
    target.on('GET', '/hit', { body: 'you reached me' });
    const error = await failure(api.httpRequest({ url: target.url('/hit') }, ctx));
    expect(error.code).toBe('not_available');
    expect(error.message).toBe('http.request is not available while a script is being inspected: inspection does no I/O');
    expect(target.connectionCount).toBe(0);
  });

  it('refuses mail.send at once, without connecting', async () => {
    const error = await failure(api.mailSend({ to: 'a@example.test', subject: 's', text: 't' }, ctx));
    expect(error.code).toBe('not_available');
    expect(error.message).toContain('mail.send is not available');
    expect(smtp.messages).toEqual([]);
  });

  it('refuses garbage the same way: no argument is even read', async () => {
    const trap = new Proxy({}, { get: () => { throw new Error('read'); }, ownKeys: () => { throw new Error('read'); } });
    await expect(failure(api.httpRequest(trap, ctx))).resolves.toMatchObject({ code: 'not_available' });
    await expect(failure(api.mailSend(trap, ctx))).resolves.toMatchObject({ code: 'not_available' });
  });

  it('runs crypto, now and log', () => {
    expect(api.crypto('sha256', ['abc'])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(() => api.crypto('sha256', [42])).toThrow(HostApiError);
    expect(Math.abs(api.now() - Date.now())).toBeLessThan(1_000);
    api.log('warn', 'inspected', { a: 1 }, ctx);
    expect(entries).toEqual([{ level: 'warn', message: 'inspected', fields: { a: 1 }, context: ctx }]);
  });
});
