import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { closedPort } from '../../../../test/support/fake-servers/closed-port.js';
import { SmtpSink } from '../../../../test/support/fake-servers/smtp-sink.js';
import { DefaultHostApi } from './default-host-api.js';
import { HostApiError, type HostApiSettings, type HostCallContext, type HostLogEntry } from './host-api.types.js';
import { rejectionOf } from '../../../../test/support/rejection.js';

const ctx: HostCallContext = { plugin: 'notifier/email', interfaceId: 'if-mail', traceId: 'trace-m', fn: 'send' };

function settings(smtpUrl: string | null, timeoutMs = 3_000, allowedSenders?: string[]): HostApiSettings {
  return {
    http: { defaultTimeoutMs: 1_000, maxTimeoutMs: 1_000, maxResponseBytes: 1_024, maxRequestBytes: 1_024, allow: [] },
    mail: { smtpUrl, from: 'Switchboard <switchboard@example.test>', timeoutMs, ...(allowedSenders ? { allowedSenders } : {}) },
  };
}

const failure = (call: Promise<unknown>) => rejectionOf(call, HostApiError);

describe('DefaultHostApi.mailSend', () => {
  let sink: SmtpSink;
  let api: DefaultHostApi;
  let logs: HostLogEntry[];

  beforeAll(async () => {
    sink = await SmtpSink.start();
  });
  afterAll(async () => {
    api.close();
    await sink.close();
  });
  beforeEach(() => {
    sink.reset();
    logs = [];
    api?.close();
    api = new DefaultHostApi(settings(sink.url()), (entry) => logs.push(entry));
  });

  it('delivers a message to the SMTP server', async () => {
    const result = await api.mailSend(
      {
        to: ['alice@example.test', 'Bob <bob@example.test>'],
        cc: 'carol@example.test',
        bcc: ['audit@example.test'],
        reply_to: 'support@example.test',
        subject: 'Invoice #42 paid ✓',
        text: 'Thanks for your payment.',
        html: '<p>Thanks for your <b>payment</b>.</p>',
        headers: { 'X-Switchboard-Event': 'invoice.paid' },
      },
      ctx,
    );
    expect(result.accepted.sort()).toEqual(['alice@example.test', 'audit@example.test', 'bob@example.test', 'carol@example.test']);
    expect(result.rejected).toEqual([]);
    expect(result.response).toMatch(/^250/);
    expect(result.message_id).toMatch(/^<.+@.+>$/);

    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0];
    expect(mail.subject).toBe('Invoice #42 paid ✓');
    expect(mail.text.trim()).toBe('Thanks for your payment.');
    expect(mail.html).toBe('<p>Thanks for your <b>payment</b>.</p>');
    expect(mail.to).toEqual(['alice@example.test', 'bob@example.test']);
    expect(mail.cc).toEqual(['carol@example.test']);
    expect(mail.from).toEqual(['switchboard@example.test']);
    expect(mail.envelopeFrom).toBe('switchboard@example.test');
    expect(mail.envelopeTo.sort()).toEqual(['alice@example.test', 'audit@example.test', 'bob@example.test', 'carol@example.test']);
    expect(mail.headers['x-switchboard-event']).toBe('invoice.paid');
    expect(mail.headers['reply-to']).toBe('support@example.test');
    expect(mail.headers.bcc).toBeUndefined();
    expect(mail.messageId).toBe(result.message_id);
  });

  it('uses the script sender when given and reuses the transport for the next message', async () => {
    await api.mailSend({ to: 'a@example.test', from: 'billing@example.test', subject: 'one', text: '1' }, ctx);
    await api.mailSend({ to: 'b@example.test', subject: 'two', text: '2' }, ctx);
    expect(sink.messages.map((m) => [m.envelopeFrom, m.subject])).toEqual([
      ['billing@example.test', 'one'],
      ['switchboard@example.test', 'two'],
    ]);
  });

  it.each([451, 550])('a RCPT refusal %i → smtp_error with that responseCode', async (code) => {
    sink.rejectRcpt(code);
    const error = await failure(api.mailSend({ to: 'alice@example.test', subject: 's', text: 't' }, ctx));
    expect(error.code).toBe('smtp_error');
    expect(error.data).toEqual({ responseCode: code });
    expect(error.message).toContain(String(code));
    expect(sink.messages).toEqual([]);
  });

  it('a DATA refusal 554 → smtp_error 554', async () => {
    sink.rejectData(554, 'Spam detected');
    const error = await failure(api.mailSend({ to: 'alice@example.test', subject: 's', text: 't' }, ctx));
    expect(error).toMatchObject({ code: 'smtp_error', data: { responseCode: 554 } });
  });

  it('reports recipients refused among accepted ones in `rejected`', async () => {
    sink.rejectRcpt(550, 'No such user', (address) => address.startsWith('ghost'));
    const result = await api.mailSend({ to: ['alice@example.test', 'ghost@example.test'], subject: 's', text: 't' }, ctx);
    expect(result.accepted).toEqual(['alice@example.test']);
    expect(result.rejected).toEqual(['ghost@example.test']);
    expect(sink.messages[0].envelopeTo).toEqual(['alice@example.test']);
  });

  it('connection refused → network_error with a null responseCode', async () => {
    const refused = new DefaultHostApi(settings(`smtp://127.0.0.1:${await closedPort()}`), () => undefined);
    await expect(failure(refused.mailSend({ to: 'a@example.test', subject: 's', text: 't' }, ctx))).resolves.toMatchObject({
      code: 'network_error',
      data: { responseCode: null },
    });
  });

  it('a server that never greets → timeout', async () => {
    const silent = net.createServer(() => undefined);
    const held: net.Socket[] = [];
    silent.on('connection', (socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const slow = new DefaultHostApi(settings(`smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, 300), () => undefined);
      const started = Date.now();
      await expect(failure(slow.mailSend({ to: 'a@example.test', subject: 's', text: 't' }, ctx))).resolves.toMatchObject({
        code: 'timeout',
        data: { responseCode: null },
      });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('not configured → mail_not_configured', async () => {
    const none = new DefaultHostApi(settings(null), () => undefined);
    await expect(failure(none.mailSend({ to: 'a@example.test', subject: 's', text: 't' }, ctx))).resolves.toMatchObject({ code: 'mail_not_configured' });
  });

  describe('with SMTP authentication', () => {
    let authSink: SmtpSink;
    beforeAll(async () => {
      authSink = await SmtpSink.start({ auth: { user: 'mailer', pass: 'correct-horse' } });
    });
    afterAll(async () => {
      await authSink.close();
    });

    it('logs in with the URL credentials', async () => {
      const authed = new DefaultHostApi(settings(authSink.url({ user: 'mailer', pass: 'correct-horse' })), () => undefined);
      await authed.mailSend({ to: 'a@example.test', subject: 'authed', text: 't' }, ctx);
      expect(authSink.messages.map((m) => m.subject)).toEqual(['authed']);
    });

    it('a refused login → smtp_error 535, the password nowhere in the error or the log', async () => {
      const entries: HostLogEntry[] = [];
      const wrong = new DefaultHostApi(settings(authSink.url({ user: 'mailer', pass: 'Wr0ng-Passw0rd' })), (entry) => entries.push(entry));
      const error = await failure(wrong.mailSend({ to: 'a@example.test', subject: 's', text: 't' }, ctx));
      expect(error).toMatchObject({ code: 'smtp_error', data: { responseCode: 535 } });
      expect(JSON.stringify({ message: error.message, data: error.data, entries })).not.toContain('Wr0ng-Passw0rd');
    });
  });

  describe('recipients', () => {
    const many = (n: number, domain = 'example.test') => Array.from({ length: n }, (_, i) => `r${i}@${domain}`);

    it('counts every address of a comma-separated string against the cap of 100', async () => {
      const error = await failure(api.mailSend({ to: many(60).join(', '), cc: many(41, 'cc.test'), subject: 's', text: 't' }, ctx));
      expect(error).toMatchObject({ code: 'invalid_argument', message: 'to: at most 100 recipients in all' });
      const single = await failure(api.mailSend({ to: many(101).join(','), subject: 's', text: 't' }, ctx));
      expect(single).toMatchObject({ code: 'invalid_argument', message: 'to: at most 100 recipients in all' });
      const grouped = await failure(api.mailSend({ to: `list: ${many(101).join(', ')};`, subject: 's', text: 't' }, ctx));
      expect(grouped.code).toBe('invalid_argument');
      expect(sink.messages).toEqual([]);
    });

    it('sends to each address of a comma-separated string', async () => {
      const result = await api.mailSend({ to: 'a@example.test, "Bee, B." <b@example.test>', bcc: 'c@example.test;d@example.test', subject: 's', text: 't' }, ctx);
      expect(result.accepted.sort()).toEqual(['a@example.test', 'b@example.test', 'c@example.test', 'd@example.test']);
      expect(sink.messages[0].to).toEqual(['a@example.test', 'b@example.test']);
    });

    it('refuses a list with an entry that is not an address', async () => {
      await expect(failure(api.mailSend({ to: 'a@example.test, bob', subject: 's', text: 't' }, ctx))).resolves.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^to:/) });
      await expect(failure(api.mailSend({ to: ['a@example.test', 'b@example.test, "Name Only"'], subject: 's', text: 't' }, ctx))).resolves.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^to\[1\]:/) });
      expect(sink.messages).toEqual([]);
    });
  });

  describe('sender and trace headers', () => {
    const ok = { to: 'a@example.test', subject: 's', text: 't' };

    it.each(['Return-Path', 'DKIM-Signature', 'DomainKey-Signature', 'Date', 'Received', 'Received-SPF', 'Sender', 'From', 'Resent-From', 'Resent-Message-ID', 'ARC-Seal', 'Authentication-Results'])(
      'refuses a script-set %s header',
      async (name) => {
        const error = await failure(api.mailSend({ ...ok, headers: { [name]: 'x@example.test' } }, ctx));
        expect(error.code).toBe('invalid_argument');
        expect(error.message.startsWith(`headers.${name}:`)).toBe(true);
        expect(sink.messages).toEqual([]);
      },
    );

    it('accepts one well-formed Message-ID (a stable id for retries), refuses anything else', async () => {
      await api.mailSend({ ...ok, headers: { 'Message-ID': '<ntf-42@example.test>' } }, ctx);
      await api.mailSend({ ...ok, headers: { 'Message-ID': '<ntf-42.a+b@switchboard.local>' } }, ctx);
      expect(sink.messages.map((m) => m.messageId)).toEqual(['<ntf-42@example.test>', '<ntf-42.a+b@switchboard.local>']);
      for (const id of ['ntf-42@example.test', '<a b@example.test>', '<x@example.test> <y@example.test>', '<@example.test>', '<x@example.test>, <y@z>', `<${'a'.repeat(300)}@example.test>`]) {
        const error = await failure(api.mailSend({ ...ok, headers: { 'message-id': id } }, ctx));
        expect(error.code).toBe('invalid_argument');
        expect(error.message.startsWith('headers.message-id:')).toBe(true);
      }
      expect(sink.messages).toHaveLength(2);
    });

    it('refuses a from on a domain the settings do not allow, or with more than one address', async () => {
      for (const from of ['ceo@bank.example', 'Switchboard <switchboard@example.test.evil>', 'a@example.test, b@example.test']) {
        const error = await failure(api.mailSend({ ...ok, from }, ctx));
        expect(error.code).toBe('invalid_argument');
        expect(error.message.startsWith('from:')).toBe(true);
      }
      await api.mailSend({ ...ok, from: 'Billing Team <BILLING@Example.Test>' }, ctx);
      expect(sink.messages.map((m) => m.envelopeFrom.toLowerCase())).toEqual(['billing@example.test']);
    });

    it('allows the senders the settings list', async () => {
      const listed = new DefaultHostApi(settings(sink.url(), 3_000, ['@shop.example', 'alerts@ops.example']), () => undefined);
      try {
        await listed.mailSend({ ...ok, from: 'billing@shop.example', headers: { 'Message-ID': '<n-1@shop.example>' } }, ctx);
        await listed.mailSend({ ...ok, from: 'alerts@ops.example', headers: { 'Message-ID': '<n-2@ops.example>' } }, ctx);
        await expect(failure(listed.mailSend({ ...ok, from: 'other@ops.example' }, ctx))).resolves.toMatchObject({ code: 'invalid_argument' });
        expect(sink.messages.map((m) => [m.envelopeFrom, m.messageId])).toEqual([
          ['billing@shop.example', '<n-1@shop.example>'],
          ['alerts@ops.example', '<n-2@ops.example>'],
        ]);
      } finally {
        listed.close();
      }
      const any = new DefaultHostApi(settings(sink.url(), 3_000, ['*']), () => undefined);
      try {
        await any.mailSend({ ...ok, from: 'anyone@anywhere.example', headers: { 'Message-ID': '<n-3@switchboard.local>' } }, ctx);
        expect(sink.messages.at(-1)!.envelopeFrom).toBe('anyone@anywhere.example');
      } finally {
        any.close();
      }
    });
  });

  it('refuses to start a send once the plugin call has ended', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(api.mailSend({ to: 'a@example.test', subject: 's', text: 't' }, { ...ctx, signal: controller.signal }));
    expect(error.code).toBe('aborted');
    expect(sink.messages).toEqual([]);
  });

  describe('garbage in', () => {
    const ok = { to: 'a@example.test', subject: 's', text: 't' };
    it.each<[string, string, unknown]>([
      ['a number', 'message', 42],
      ['null', 'message', null],
      ['missing to', 'to', { subject: 's', text: 't' }],
      ['empty to', 'to', { ...ok, to: [] }],
      ['to without @', 'to', { ...ok, to: 'alice' }],
      ['to entry not a string', 'to[1]', { ...ok, to: ['a@example.test', 42] }],
      ['to with CRLF', 'to', { ...ok, to: 'a@example.test\r\nBcc: x@evil.test' }],
      ['cc not an address', 'cc', { ...ok, cc: {} }],
      ['from not an address', 'from', { ...ok, from: 'nobody' }],
      ['missing subject', 'subject', { to: 'a@example.test', text: 't' }],
      ['subject with a line break', 'subject', { ...ok, subject: 'hi\nBcc: x@evil.test' }],
      ['no text nor html', 'text', { to: 'a@example.test', subject: 's' }],
      ['html not a string', 'html', { ...ok, html: 42 }],
      ['header with CRLF', 'headers.X-A', { ...ok, headers: { 'X-A': 'v\r\nBcc: x@evil.test' } }],
      ['reserved header', 'headers.Bcc', { ...ok, headers: { Bcc: 'x@evil.test' } }],
      ['unknown field', 'message.attachments', { ...ok, attachments: [{ path: '/etc/passwd' }] }],
    ])('%s → invalid_argument naming %s', async (_case, field, message) => {
      const error = await failure(api.mailSend(message, ctx));
      expect(error.code).toBe('invalid_argument');
      expect(error.message.startsWith(`${field}:`)).toBe(true);
      expect(sink.messages).toEqual([]);
    });
  });

  it('logs the outcome at debug level without addresses', async () => {
    await api.mailSend({ to: 'alice@example.test', subject: 's', text: 't' }, ctx);
    expect(logs).toEqual([{ level: 'debug', message: 'plugin mail sent', fields: { accepted: 1, rejected: 0, duration_ms: expect.any(Number) }, context: ctx }]);
  });
});
