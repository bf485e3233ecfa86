import { closedPort } from '../support/fake-servers/closed-port.js';
import { SmtpSink } from '../support/fake-servers/smtp-sink.js';
import { loadPlugin, type PluginHarness } from '../support/plugin-harness.js';

/** plugins/notifier/email.js against a local SMTP server that parses what it receives. */
describe('notifier/email', () => {
  let sink: SmtpSink;
  let plugin: PluginHarness;

  const params = (overrides: Record<string, unknown> = {}) => ({
    notification_id: 'ntf-42',
    event_type: 'order_paid',
    title: 'Order #42 paid ✓',
    body: 'Thanks, Zoë.\nWe received <b>12.50 €</b>.',
    recipient: 'zoe@example.test',
    data: { order_id: '42' },
    metadata: {},
    attempt: 1,
    occurred_at: '2025-06-05T09:00:00Z',
    ...overrides,
  });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    plugin = await loadPlugin('notifier/email.js', { smtpUrl: sink.url() });
  });
  beforeEach(() => sink.reset());
  afterAll(async () => {
    await plugin?.close();
    await sink?.close();
  });

  it('declares the email channel and the system events (or the configured ones)', async () => {
    expect(await plugin.call('channel', {})).toBe('email');
    expect(await plugin.call('supported_events', {})).toEqual(expect.arrayContaining(['ticket_replied', 'user.created', 'password.reset_requested', 'report.generated']));
    expect(await plugin.call('supported_events', { events: ['user.created'] })).toEqual(['user.created']);
  });

  it('sends one mail to the recipient with subject, text, HTML, From, Reply-To, Bcc and a stable Message-ID', async () => {
    const config = {
      from: 'billing@shop.example',
      reply_to: 'support@shop.example',
      bcc: ['archive@shop.example'],
      subject_prefix: '[Shop] ',
      html: true,
      message_id_domain: 'shop.example',
    };
    const result = await plugin.call('send', config, params());

    expect(result).toEqual({ outcome: 'success', provider_message_id: '<ntf-42@shop.example>' });
    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0];
    expect(mail.envelopeFrom).toBe('billing@shop.example');
    expect(mail.envelopeTo.sort()).toEqual(['archive@shop.example', 'zoe@example.test']);
    expect(mail.from).toEqual(['billing@shop.example']);
    expect(mail.to).toEqual(['zoe@example.test']);
    expect(mail.headers['bcc']).toBeUndefined();
    expect(mail.headers['reply-to']).toBe('support@shop.example');
    expect(mail.subject).toBe('[Shop] Order #42 paid ✓');
    expect(mail.text.trim()).toBe('Thanks, Zoë.\nWe received <b>12.50 €</b>.');
    expect(mail.html).toContain('Thanks, Zoë.<br>');
    expect(mail.html).toContain('&lt;b&gt;12.50 €&lt;/b&gt;');
    expect(mail.messageId).toBe('<ntf-42@shop.example>');
    expect(mail.headers['x-switchboard-notification-id']).toBe('ntf-42');
    expect(mail.headers['x-switchboard-event']).toBe('order_paid');
  });

  it('takes from as SMTP_FROM does: an address, or a display name and the address (quoted when it holds a comma)', async () => {
    expect(await plugin.call('send', { from: 'Shop Billing <billing@shop.example>' }, params())).toMatchObject({ outcome: 'success' });
    expect(await plugin.call('send', { from: '"Shop, Inc." <billing@shop.example>' }, params())).toMatchObject({ outcome: 'success' });
    expect(sink.messages.map((m) => [m.envelopeFrom, m.headers['from']])).toEqual([
      ['billing@shop.example', 'Shop Billing <billing@shop.example>'],
      ['billing@shop.example', '"Shop, Inc." <billing@shop.example>'],
    ]);
    // a line break (a smuggled header), two addresses, or a bare name is not a sender
    for (const from of ['Shop\r\nBcc: x@evil.example <billing@shop.example>', 'a@shop.example, b@shop.example', 'Shop Billing']) {
      expect(await plugin.call('health_check', { from })).toEqual({ healthy: false, error: 'from is not an email address (or Name <address>)' });
    }
  });

  it('a retry carries the same Message-ID; text only unless html is on', async () => {
    await plugin.call('send', {}, params({ attempt: 1 }));
    await plugin.call('send', {}, params({ attempt: 2 }));
    expect(sink.messages.map((m) => m.messageId)).toEqual(['<ntf-42@switchboard.local>', '<ntf-42@switchboard.local>']);
    expect(sink.messages[0].html).toBeNull();
  });

  it('uses default_to when the notification has no recipient, and accepts comma-separated recipients', async () => {
    expect(await plugin.call('send', { default_to: ['admin@shop.example'] }, params({ recipient: null }))).toMatchObject({ outcome: 'success' });
    expect(await plugin.call('send', {}, params({ recipient: 'a@shop.example, b@shop.example' }))).toMatchObject({ outcome: 'success' });
    expect(sink.messages.map((m) => m.to)).toEqual([['admin@shop.example'], ['a@shop.example', 'b@shop.example']]);
  });

  it('no recipient and no default: skipped with recipient_missing, nothing sent', async () => {
    expect(await plugin.call('send', {}, params({ recipient: null }))).toEqual({
      outcome: 'skipped',
      error_code: 'recipient_missing',
      error_message: 'no recipient and no default_to configured',
    });
    expect(sink.messages).toHaveLength(0);
  });

  it('a recipient that is not an address: permanent recipient_missing, nothing sent', async () => {
    expect(await plugin.call('send', {}, params({ recipient: 'not-an-address' }))).toMatchObject({ outcome: 'permanent_fail', error_code: 'recipient_missing' });
    expect(sink.messages).toHaveLength(0);
  });

  it('some recipients refused, some accepted: success, delivered to the accepted ones', async () => {
    sink.rejectRcpt(550, 'No such user', (address) => address.startsWith('gone'));
    expect(await plugin.call('send', {}, params({ recipient: 'gone@shop.example, here@shop.example' }))).toMatchObject({ outcome: 'success' });
    expect(sink.messages[0].envelopeTo).toEqual(['here@shop.example']);
    expect(plugin.logs.some((l) => l.message === 'email partly refused')).toBe(true);
  });

  describe('classifies SMTP refusals', () => {
    const rows: [string, () => void, Record<string, unknown>][] = [
      ['RCPT 451 (try later)', () => sink.rejectRcpt(451, 'Greylisted, try again later'), { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['RCPT 450 rate limit', () => sink.rejectRcpt(450, 'Rate limit exceeded for sender'), { outcome: 'temporary_fail', error_code: 'provider_rate_limited' }],
      ['RCPT 452 (insufficient storage)', () => sink.rejectRcpt(452, 'Insufficient system storage'), { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['RCPT 550 (no such user)', () => sink.rejectRcpt(550, 'No such user'), { outcome: 'permanent_fail', error_code: 'recipient_missing' }],
      ['RCPT 553 (mailbox name not allowed)', () => sink.rejectRcpt(553, 'Mailbox name not allowed'), { outcome: 'permanent_fail', error_code: 'recipient_missing' }],
      ['DATA 451 (local error)', () => sink.rejectData(451, 'Local error in processing'), { outcome: 'temporary_fail', error_code: 'provider_5xx' }],
      ['DATA 552 (too large)', () => sink.rejectData(552, 'Message size exceeds limit'), { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
      ['DATA 554 (rejected as spam)', () => sink.rejectData(554, 'Rejected as spam'), { outcome: 'permanent_fail', error_code: 'payload_invalid' }],
    ];
    it.each(rows)('%s', async (_name, arrange, expected) => {
      arrange();
      const result = await plugin.call('send', {}, params());
      expect(result).toMatchObject(expected);
      expect(result.error_message).toEqual(expect.any(String));
      expect(sink.messages).toHaveLength(0);
    });

    it('SMTP AUTH refused (535): permanent provider_auth_failed', async () => {
      const guarded = await SmtpSink.start({ auth: { user: 'mailer', pass: 'right-password' } });
      const wrong = await loadPlugin('notifier/email.js', { smtpUrl: guarded.url({ user: 'mailer', pass: 'wrong-password' }) });
      try {
        expect(await wrong.call('send', {}, params())).toMatchObject({ outcome: 'permanent_fail', error_code: 'provider_auth_failed' });
        expect(guarded.messages).toHaveLength(0);
        expect(JSON.stringify(wrong.logs)).not.toContain('wrong-password');
      } finally {
        await wrong.close();
        await guarded.close();
      }
    });

    it('SMTP server unreachable: temporary network_error', async () => {
      const port = await closedPort();
      const offline = await loadPlugin('notifier/email.js', { smtpUrl: `smtp://127.0.0.1:${port}` });
      try {
        expect(await offline.call('send', {}, params())).toMatchObject({ outcome: 'temporary_fail', error_code: 'network_error' });
      } finally {
        await offline.close();
      }
    });

    it('SMTP not configured on the server: permanent invalid_url', async () => {
      const unconfigured = await loadPlugin('notifier/email.js', {});
      try {
        expect(await unconfigured.call('send', {}, params())).toEqual({
          outcome: 'permanent_fail',
          error_code: 'invalid_url',
          error_message: 'SMTP is not configured on this server (SMTP_URL)',
        });
      } finally {
        await unconfigured.close();
      }
    });
  });

  it('health_check reports configuration problems without throwing', async () => {
    expect(await plugin.call('health_check', { default_to: ['admin@shop.example'] })).toEqual({ healthy: true });
    expect(await plugin.call('health_check', { from: 'nobody' })).toEqual({ healthy: false, error: 'from is not an email address (or Name <address>)' });
    expect(await plugin.call('health_check', { default_to: 'admin@shop.example' })).toEqual({
      healthy: false,
      error: 'default_to must be a list of email addresses',
    });
  });
});
