import { graphql, http, type HttpResult } from '../support/http-client.js';
import { SmtpSink } from '../support/fake-servers/smtp-sink.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Seed 002's examples as one sequence, in the seed's order, with the seed's bodies verbatim (only
 * its example ids, `tpl-001` / `tpl-999`, become the real ones): GET /templates, POST /templates
 * (`reset_sms`), PUT /templates/{id}, the `welcome_email` template its GET example lists
 * (email, `user.created`) printing `{{name}}`, and the manual POST /send that fills `name` —
 * answered 202 queued, and the mail arrives. The seed's own `user.created` event does not carry
 * `name`, so saving such a template warns (meta.warnings) instead of refusing, and that event
 * gets a skipped record that says why.
 */
describe("seed 002's examples, in order", () => {
  let app: TestApp;
  let sink: SmtpSink;
  const call = (method: string, path: string, body?: unknown): Promise<HttpResult> => http(app.httpUrl, method, path, { token: app.tokens.admin, ...(body === undefined ? {} : { body }) });
  const ids: { resetSms?: string; welcome?: string; notification?: string } = {};

  beforeAll(async () => {
    sink = await SmtpSink.start();
    app = await startTestApp({ SMTP_URL: sink.url(), PLUGIN_MAIL_ALLOWED_SENDERS: '@vas.edu.vn', DELIVERY_POLL_MS: '200', OUTBOX_POLL_MS: '200' });
    const plugins = await graphql(app.httpUrl, '{ plugins(pluginType: "notifier") { id pluginId } }', {}, app.tokens.admin);
    const email = (plugins.body.data.plugins as { id: string; pluginId: string }[]).find((p) => p.pluginId === 'email')!.id;
    const created = await graphql(
      app.httpUrl,
      'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }',
      // a sender written as SMTP_FROM takes it, display name and all
      { input: { pluginDefId: email, displayName: 'mail', config: { from: 'Phòng đào tạo <daotao@vas.edu.vn>' } } },
      app.tokens.admin,
    );
    expect(created.body.errors).toBeUndefined();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  it('1. GET /templates: 200, a page in the seed envelope (empty on a new server)', async () => {
    const res = await call('GET', '/templates');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], meta: expect.objectContaining({ request_id: expect.any(String), timestamp: expect.any(String), total: 0 }) });
  });

  it("2. POST /templates with the seed's reset_sms: 201, no warnings (password.reset_requested carries code)", async () => {
    const res = await call('POST', '/templates', {
      name: 'reset_sms',
      type: 'sms',
      language: 'vi',
      trigger_event: 'password.reset_requested',
      content: 'Mã xác thực của bạn là: {{code}}',
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ name: 'reset_sms', type: 'sms', language: 'vi', trigger_event: 'password.reset_requested', version: 1 });
    expect(res.body.meta.warnings).toEqual([]);
    ids.resetSms = res.body.data.id;
  });

  it('3. PUT /templates/{id}: 204 No Content, and the change is stored', async () => {
    const res = await call('PUT', `/templates/${ids.resetSms}`, { content: 'Mã xác thực của bạn là: {{code}} (hết hạn sau 10 phút)' });
    expect(res.status).toBe(204);
    expect((await call('GET', `/templates/${ids.resetSms}`)).body.data).toMatchObject({ version: 2, content: 'Mã xác thực của bạn là: {{code}} (hết hạn sau 10 phút)' });
  });

  it("4. the seed's welcome_email (email, user.created) printing {{name}}: 201 with a warning naming name and what user.created offers", async () => {
    const res = await call('POST', '/templates', { name: 'welcome_email', type: 'email', language: 'vi', trigger_event: 'user.created', subject: 'Chào {{name}}', content: '<p>Xin chào {{name}}</p>' });
    expect(res.status).toBe(201);
    expect(res.body.meta.warnings).toEqual([
      expect.objectContaining({ code: 'notif.template_placeholder_not_in_event', field: 'subject', placeholders: ['name'], event: 'user.created', offered: ['user_id', 'email', 'full_name', 'language'] }),
      expect.objectContaining({ code: 'notif.template_placeholder_not_in_event', field: 'content', placeholders: ['name'], event: 'user.created' }),
    ]);
    ids.welcome = res.body.data.id;
    // The seed's GET /templates example item, field for field.
    const list = await call('GET', '/templates');
    expect(list.body.data.find((t: { name: string }) => t.name === 'welcome_email')).toMatchObject({ id: ids.welcome, name: 'welcome_email', type: 'email', language: 'vi', trigger_event: 'user.created' });
  });

  it("5. POST /send with the seed's body: 202 queued; the mail arrives with the name filled in", async () => {
    const res = await call('POST', '/send', { template_id: ids.welcome, recipient: 'student@vas.edu.vn', channel: 'email', params: { name: 'Nguyễn Văn A' } });
    expect(res.status).toBe(202);
    expect(res.body.data).toEqual({ status: 'queued', notification_id: expect.any(String) });
    ids.notification = res.body.data.notification_id;
    const mail = await waitFor(async () => sink.messages.find((m) => m.to.includes('student@vas.edu.vn')), 15_000);
    expect(mail.subject).toBe('Chào Nguyễn Văn A');
    expect(mail.envelopeFrom).toBe('daotao@vas.edu.vn');
    expect(mail.text).toContain('Xin chào Nguyễn Văn A');
    await waitFor(async () => (await call('GET', `/notifications/${ids.notification}`)).body.data.status === 'sent', 10_000);
  });

  it("6. the seed's user.created event (no name in it) gets a skipped record with template_param_missing, never a blank mail", async () => {
    sink.reset();
    const res = await call('POST', '/events', {
      event_type: 'user.created',
      data: { user_id: 'u123', email: 'student@vas.edu.vn', full_name: 'Nguyễn Văn A', language: 'vi' },
      metadata: { event_id: 'evt-xyz123', timestamp: '2025-06-05T09:00:00Z', source_service: 'user-service.master' },
    });
    expect(res.status).toBe(202);
    const query = '{ notificationRecords(filter: { eventId: "evt-xyz123" }) { records { status lastErrorCode templateId } } }';
    const records = await waitFor(async () => {
      const page = await graphql(app.httpUrl, query, {}, app.tokens.admin);
      const found = page.body.data?.notificationRecords.records as { status: string; lastErrorCode: string | null; templateId: string | null }[] | undefined;
      return found && found.length > 0 && found.every((r) => r.status !== 'queued' && r.status !== 'sending') && found;
    }, 15_000);
    expect(records).toEqual([{ status: 'skipped', lastErrorCode: 'template_param_missing', templateId: ids.welcome }]);
    expect(sink.messages).toEqual([]);
  });
});
