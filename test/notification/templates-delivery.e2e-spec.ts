import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { SmtpSink } from '../support/fake-servers/smtp-sink.js';
import { graphql, http } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const CREATE = 'mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { id version } }';
const UPDATE = 'mutation($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { id version } }';

/** Seed 002's example event, as its contract writes it. */
const seedEvent = (eventId: string) => ({
  event_type: 'user.created',
  data: { user_id: 'u123', email: 'student@vas.edu.vn', full_name: 'Nguyễn Văn A' },
  metadata: { event_id: eventId, timestamp: '2025-06-05T09:00:00Z', source_service: 'user-service.master' },
});

interface Row {
  channel_type: string;
  status: string;
  recipient: string | null;
  title: string;
  body: string;
  template_id: string | null;
  template_version: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
}

/**
 * Seed 002's event-triggered table end to end on the real app: templates for user.created,
 * password.reset_requested and report.generated, the seed's event envelope posted to POST /events,
 * and the rendered texts arriving at a local SMTP server and webhook target through the built-in
 * notifiers' default interfaces, each record naming its template and version. A template printing
 * a param the event lacks makes a skipped record that says so.
 */
describe('event-triggered templates (seed 002) → email and webhook', () => {
  let app: TestApp;
  let target: HttpTarget;
  let smtp: SmtpSink;
  let db: AppDatabase;
  let publisher: string;
  const ids: Record<string, { id: string; version: number }> = {};

  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await graphql(app.httpUrl, query, variables, app.tokens.admin);
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data;
  };
  const template = async (input: Record<string, unknown>) => {
    ids[input.name as string] = (await gql(CREATE, { input })).createTemplate;
  };
  const publish = async (body: unknown) => {
    const res = await http(app.httpUrl, 'POST', '/events', { token: publisher, body });
    expect(res.status).toBe(202);
  };
  const recordsOf = async (eventId: string) =>
    (
      await db.query<Row>(
        `SELECT channel_type, status, recipient, title, body, template_id, template_version, last_error_code, last_error_message
           FROM notification_records WHERE event_id = $1 ORDER BY channel_type`,
        [eventId],
      )
    ).rows;
  const settled = (eventId: string, count: number) =>
    waitFor(async () => {
      const rows = await recordsOf(eventId);
      return rows.length === count && rows.every((r) => r.status === 'sent' || r.status === 'skipped') && rows;
    });

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/hook', { status: 204 });
    target.on('GET', '/hook', { status: 405 });
    smtp = await SmtpSink.start();
    app = await startTestApp({
      PLUGIN_HTTP_ALLOW: target.hostPort,
      SMTP_URL: smtp.url(),
      PLUGIN_MAIL_ALLOWED_SENDERS: '@vas.edu.vn',
      // Seed 002's events carry no language: its service speaks Vietnamese.
      DEFAULT_LANGUAGE: 'vi',
      DELIVERY_POLL_MS: '200',
      OUTBOX_POLL_MS: '200',
    });
    db = appDatabase(app);
    publisher = await app.tokens.withPermissions('events.publish');
    const plugins = (await gql('{ plugins { id pluginType pluginId } }', {})).plugins as { id: string; pluginType: string; pluginId: string }[];
    const def = (id: string) => plugins.find((p) => `${p.pluginType}/${p.pluginId}` === id)!.id;
    // No `events` in either config: the built-ins' defaults include seed 002's events.
    const create = 'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }';
    await gql(create, { input: { pluginDefId: def('notifier/webhook'), displayName: 'Ops webhook', config: { url: target.url('/hook'), secret: `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}` } } });
    await gql(create, { input: { pluginDefId: def('notifier/email'), displayName: 'Student mail', config: { from: 'no-reply@vas.edu.vn' } } });

    await template({ name: 'welcome_email', type: 'email', language: 'vi', triggerEvent: 'user.created', subject: 'Chào mừng {{full_name}}', content: '<p>Xin chào {{full_name}}, tài khoản {{email}} đã được tạo.</p>' });
    await template({ name: 'welcome_webhook', type: 'webhook', language: 'vi', triggerEvent: 'user.created', content: 'user {{user_id}} created ({{language}})' });
    await template({ name: 'reset_email', type: 'email', language: 'en', triggerEvent: 'password.reset_requested', subject: 'Your code', content: 'Your code is {{code}}' });
    await template({ name: 'reset_sms', type: 'sms', language: 'vi', triggerEvent: 'password.reset_requested', content: 'Mã xác thực của bạn là: {{code}}' });
    await template({ name: 'report_email', type: 'email', language: 'vi', triggerEvent: 'report.generated', content: 'Báo cáo {{report_id}}: <a href="{{download_url}}">tải về</a>' });
    await template({ name: 'report_webhook', type: 'webhook', language: 'vi', triggerEvent: 'report.generated', subject: 'report {{report_id}}', content: '{{download_url}}' });
  });
  afterAll(async () => {
    await app?.close();
    await target?.close();
    await smtp?.close();
  });
  beforeEach(() => {
    target.requests.length = 0;
    smtp.reset();
  });

  it('user.created (the seed\'s envelope): the vi welcome mail arrives rendered; the webhook template lacking `language` makes a skipped record', async () => {
    await publish(seedEvent('evt-xyz123'));
    const mail = await waitFor(async () => smtp.messages[0]);
    expect(mail.to).toEqual(['student@vas.edu.vn']);
    expect(mail.subject).toBe('Chào mừng Nguyễn Văn A');
    // The template is HTML: sent as the HTML part, with a plain-text part derived from it.
    expect(mail.html).toContain('<body><p>Xin chào Nguyễn Văn A, tài khoản student@vas.edu.vn đã được tạo.</p></body>');
    expect(mail.text.trim()).toBe('Xin chào Nguyễn Văn A, tài khoản student@vas.edu.vn đã được tạo.');
    const [email, webhook] = await settled('evt-xyz123', 2);
    expect(email).toMatchObject({ channel_type: 'email', status: 'sent', template_id: ids.welcome_email.id, template_version: 1 });
    expect(webhook).toMatchObject({ channel_type: 'webhook', status: 'skipped', template_id: ids.welcome_webhook.id, template_version: 1, last_error_code: 'template_param_missing' });
    expect(webhook.last_error_message).toContain('language');
    expect(target.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('escapes HTML in event data for email bodies', async () => {
    await publish({ ...seedEvent('evt-html'), data: { user_id: 'u2', email: 'b@vas.edu.vn', full_name: '<img src=x onerror=alert(1)>' } });
    const mail = await waitFor(async () => smtp.messages[0]);
    expect(mail.html).toContain('Xin chào &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;,');
    expect(mail.html).not.toContain('<img');
    // The plain-text part shows the value as the user typed it: text is never interpreted.
    expect(mail.text).toContain('Xin chào <img src=x onerror=alert(1)>,');
    expect(mail.subject).toBe('Chào mừng <img src=x onerror=alert(1)>');
  });

  it('password.reset_requested in en-US: the en template through the primary-subtag fallback', async () => {
    await publish({ event_type: 'password.reset_requested', data: { code: '482913', email: 'c@vas.edu.vn', language: 'en-US' }, metadata: { event_id: 'evt-reset-1' } });
    const mail = await waitFor(async () => smtp.messages[0]);
    expect([mail.subject, mail.text.trim()]).toEqual(['Your code', 'Your code is 482913']);
    const rows = await settled('evt-reset-1', 2);
    expect(rows.find((r) => r.channel_type === 'email')).toMatchObject({ status: 'sent', template_id: ids.reset_email.id });
    // No template for webhook: the catalog's default message, as before templates.
    expect(rows.find((r) => r.channel_type === 'webhook')).toMatchObject({ template_id: null, title: 'Your password reset code' });
  });

  it('report.generated: the mail carries the link, the webhook target gets the rendered title and body; an update is used by the next event with its version', async () => {
    const data = { report_id: 'r-42', email: 'd@vas.edu.vn', download_url: 'https://files.vas.edu.vn/r-42.pdf?sig=a&b=c' };
    await publish({ event_type: 'report.generated', data, metadata: { event_id: 'evt-report-1' } });
    const mail = await waitFor(async () => smtp.messages[0]);
    expect(mail.html).toContain('Báo cáo r-42: <a href="https:&#x2F;&#x2F;files.vas.edu.vn&#x2F;r-42.pdf?sig&#x3D;a&amp;b&#x3D;c">tải về</a>');
    expect(mail.text.trim()).toBe(`Báo cáo r-42: tải về (${data.download_url})`);
    const hook = await waitFor(async () => target.requests.find((r) => r.method === 'POST'));
    expect((hook.json as { data: { title: string; body: string } }).data).toMatchObject({ title: 'report r-42', body: data.download_url });
    const rows = await settled('evt-report-1', 2);
    expect(rows.map((r) => [r.channel_type, r.template_id, r.template_version])).toEqual([
      ['email', ids.report_email.id, 1],
      ['webhook', ids.report_webhook.id, 1],
    ]);

    const updated = (await gql(UPDATE, { id: ids.report_webhook.id, input: { content: 'ready: {{download_url}}' } })).updateTemplate;
    expect(updated.version).toBe(2);
    target.requests.length = 0;
    await publish({ event_type: 'report.generated', data: { ...data, report_id: 'r-43' }, metadata: { event_id: 'evt-report-2' } });
    const next = await waitFor(async () => target.requests.find((r) => r.method === 'POST'));
    expect((next.json as { data: { body: string } }).data.body).toBe(`ready: ${data.download_url}`);
    const after = await settled('evt-report-2', 2);
    expect(after.find((r) => r.channel_type === 'webhook')).toMatchObject({ template_version: 2 });
    const history = await db.query(`SELECT content FROM notification_template_versions WHERE template_id = $1 AND version = $2`, [ids.report_webhook.id, 1]);
    expect(history.rows).toEqual([{ content: '{{download_url}}' }]);
  });

  it('sees a template written by another process (straight SQL) at the next batch', async () => {
    await db.query(`UPDATE notification_templates SET subject = 'SQL {{full_name}}' WHERE id = $1`, [ids.welcome_email.id]);
    await publish(seedEvent('evt-sql'));
    const mail = await waitFor(async () => smtp.messages[0]);
    expect(mail.subject).toBe('SQL Nguyễn Văn A');
  });
});
