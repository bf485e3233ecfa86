import { randomBytes } from 'node:crypto';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { describeHttpAuthMatrix, type HttpOperation } from '../support/auth-matrix.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { SmtpSink } from '../support/fake-servers/smtp-sink.js';
import { graphql, http, type HttpResult } from '../support/http-client.js';
import { OpenApiContract } from '../support/openapi-contract.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Seed 002's REST contract over real HTTP on the whole app: `/templates`, `/send`
 * and `GET /notifications/{id}`, with the seed's request bodies and its example responses checked
 * field for field, delivery through the real dispatcher to a fake SMTP server and webhook target,
 * the permission-code matrix, and bad input. Every response is also held to /openapi.json.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ABSENT_ID = '0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e';

/** Seed 002's POST /templates request, verbatim. */
const SEED_CREATE = { name: 'reset_sms', type: 'sms', language: 'vi', trigger_event: 'password.reset_requested', content: 'Mã xác thực của bạn là: {{code}}' };

describe('seed 002 REST contract: /templates, /send, /notifications/{id}', () => {
  let app: TestApp;
  let contract: OpenApiContract;
  let sink: SmtpSink;
  let target: HttpTarget;
  let webhookId: string;
  let db: AppDatabase;

  /** A call whose answer must be in /openapi.json (route, status and body schema). */
  const call = async (method: string, path: string, options: Parameters<typeof http>[3] = {}): Promise<HttpResult> => {
    const res = await http(app.httpUrl, method, path, { token: app.tokens.admin, ...options });
    contract.check(method, path, res.status, res.body);
    return res;
  };
  /** The seed-002 error envelope with this status and code, its trace id the response header's. */
  const expectError = (res: HttpResult, status: number, code: string, field?: string) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(res.body).toEqual({
      error: { code, message: expect.any(String), details: res.body.error.details === null ? null : expect.any(Object) },
      meta: { trace_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(ISO) },
    });
    if (field) expect(res.body.error.details.violations.map((v: { field: string }) => v.field)).toContain(field);
  };
  const createTemplate = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/templates', { body });
    if (res.status !== 201) throw new Error(`POST /templates answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.data as { id: string; name: string; version: number };
  };
  const recordCount = async (): Promise<number> => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_records')).rows[0].n;
  const statusOf = async (id: string) => (await call('GET', `/notifications/${id}`)).body.data;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    target = await HttpTarget.start();
    target.on('POST', '/hook', { status: 200, body: { ok: true } });
    app = await startTestApp({ SMTP_URL: sink.url(), PLUGIN_HTTP_ALLOW: target.hostPort, DELIVERY_POLL_MS: '200' });
    contract = await OpenApiContract.load(app.httpUrl);
    db = appDatabase(app);
    const plugins = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const def = (key: string) => (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => `${p.pluginType}/${p.pluginId}` === key)!.id;
    const create = async (plugin: string, displayName: string, config: Record<string, unknown>) => {
      const res = await graphql(app.httpUrl, 'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }', { input: { pluginDefId: plugin, displayName, config } }, app.tokens.admin);
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
      return res.body.data.createPluginInterface.id as string;
    };
    await create(def('notifier/email'), 'mail', { default_to: ['ops@example.com'] });
    webhookId = await create(def('notifier/webhook'), 'hook', { url: target.url('/hook'), secret: SECRET });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sink?.close();
    await target?.close();
  });

  describe('templates', () => {
    let welcomeId: string;

    it("POST /templates with seed 002's body: 201 with the created template in the seed's envelope", async () => {
      const res = await call('POST', '/templates', { body: SEED_CREATE });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        data: {
          id: expect.stringMatching(UUID),
          name: 'reset_sms',
          type: 'sms',
          language: 'vi',
          trigger_event: 'password.reset_requested',
          subject: null,
          content: 'Mã xác thực của bạn là: {{code}}',
          version: 1,
          created_at: expect.stringMatching(ISO),
          updated_at: expect.stringMatching(ISO),
        },
        meta: { request_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(ISO), warnings: [] },
      });
    });

    it("GET /templates lists them as seed 002's example does, with paging and the total in meta", async () => {
      welcomeId = (await createTemplate({ name: 'welcome_email', type: 'email', language: 'vi', trigger_event: 'user.created', subject: 'Chào {{full_name}}', content: 'Xin chào {{full_name}}!' })).id;
      const res = await call('GET', '/templates');
      expect(res.status).toBe(200);
      const welcome = res.body.data.find((t: { name: string }) => t.name === 'welcome_email');
      // Seed 002's example item, field for field.
      expect(welcome).toMatchObject({ id: welcomeId, name: 'welcome_email', type: 'email', language: 'vi', trigger_event: 'user.created' });
      expect(res.body.meta).toEqual({ request_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(ISO), page: 1, page_size: 20, total: res.body.data.length });

      for (const n of [1, 2, 3]) await createTemplate({ name: `paged_${n}`, type: 'webhook', content: `page {{n}} ${n}` });
      const page2 = await call('GET', '/templates?page=2&page_size=2');
      expect(page2.status).toBe(200);
      expect(page2.body.meta).toMatchObject({ page: 2, page_size: 2, total: 5 });
      expect(page2.body.data).toHaveLength(2);
      const all = (await call('GET', '/templates?page_size=100')).body.data.map((t: { name: string }) => t.name);
      expect(page2.body.data.map((t: { name: string }) => t.name)).toEqual(all.slice(2, 4));
      expect((await call('GET', '/templates?page=9&page_size=2')).body).toMatchObject({ data: [], meta: { total: 5 } });
      expect((await call('GET', '/templates?type=email')).body.data.map((t: { name: string }) => t.name)).toEqual(['welcome_email']);
      expect((await call('GET', '/templates?trigger_event=password.reset_requested')).body.data.map((t: { name: string }) => t.name)).toEqual(['reset_sms']);
    });

    it.each([
      ['page=0', 'page'],
      ['page=abc', 'page'],
      ['page_size=0', 'page_size'],
      ['page_size=101', 'page_size'],
      ['page=1&page=2', 'page'],
      ['page=99999999999999999999', 'page'],
      ['page=-1', 'page'],
      ['page_size=2.5', 'page_size'],
    ])('GET /templates?%s is 422 common.validation_failed naming %s', async (query, field) => {
      expectError(await call('GET', `/templates?${query}`), 422, 'common.validation_failed', field);
    });

    it('PUT /templates/{id} is 204 with no body; a content change is a new version, a name-only change is not', async () => {
      const res = await call('PUT', `/templates/${welcomeId}`, { body: { content: 'Chào mừng {{full_name}} đến với VAS!' } });
      expect(res.status).toBe(204);
      expect(res.body).toBe('');
      const after = (await call('GET', `/templates/${welcomeId}`)).body.data;
      expect(after).toMatchObject({ id: welcomeId, name: 'welcome_email', content: 'Chào mừng {{full_name}} đến với VAS!', subject: 'Chào {{full_name}}', version: 2 });
      // A client may PUT back what it read: the read-only fields are ignored.
      expect((await call('PUT', `/templates/${welcomeId}`, { body: { ...after, language: 'vi' } })).status).toBe(204);
      expect((await call('GET', `/templates/${welcomeId}`)).body.data.version).toBe(2);
    });

    it.each([
      ['a duplicate name', 409, 'notif.template_name_taken', undefined, () => ({ ...SEED_CREATE, language: 'en' })],
      ['a second template for the same event, type and language', 409, 'notif.template_trigger_taken', undefined, () => ({ ...SEED_CREATE, name: 'reset_sms_2' })],
      ['no name', 422, 'common.validation_failed', 'name', () => ({ type: 'sms', content: 'x' })],
      ['an empty name', 422, 'common.validation_failed', 'name', () => ({ name: '', type: 'sms', content: 'x' })],
      ['an unknown type', 422, 'common.validation_failed', 'type', () => ({ name: 'fax_1', type: 'fax', content: 'x' })],
      ['no content', 422, 'common.validation_failed', 'content', () => ({ name: 'empty_1', type: 'sms' })],
      ['a name over 100 characters', 422, 'common.validation_failed', 'name', () => ({ name: 'n'.repeat(101), type: 'sms', content: 'x' })],
      ['a subject over 500 characters', 422, 'common.validation_failed', 'subject', () => ({ name: 'long_subject', type: 'email', subject: 's'.repeat(501), content: 'x' })],
      ['content that is an object', 422, 'common.validation_failed', 'content', () => ({ name: 'obj_1', type: 'sms', content: { text: 'x' } })],
      ['content over 100 KB', 422, 'common.validation_failed', 'content', () => ({ name: 'huge_1', type: 'sms', content: 'x'.repeat(100 * 1024 + 1) })],
      ['an unknown trigger event', 422, 'common.validation_failed', 'trigger_event', () => ({ name: 'nope_1', type: 'email', trigger_event: 'no.such_event', content: 'x' })],
      ['an unbalanced section', 422, 'common.validation_failed', 'content', () => ({ name: 'unb_1', type: 'sms', content: 'x {{#items}} y' })],
      ['a name that is a number', 422, 'common.validation_failed', 'name', () => ({ name: 42, type: 'sms', content: 'x' })],
      ['an unknown field', 422, 'common.validation_failed', 'body', () => ({ ...SEED_CREATE, name: 'extra_1', body: 'misspelt content' })],
    ])('POST /templates with %s is %i %s', async (_what, status, code, field, body) => {
      expectError(await call('POST', '/templates', { body: body() }), status, code, field);
    });

    it.each([
      ['a malformed JSON body', 400, 'common.malformed_request', { rawBody: '{"name": "x", ' }],
      ['a JSON array', 422, 'common.validation_failed', { rawBody: '[]' }],
      ['a text/plain body', 415, 'common.unsupported_media_type', { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } }],
      ['no body and no content-type', 415, 'common.unsupported_media_type', {}],
      ['a JSON body with no content-type', 415, 'common.unsupported_media_type', { rawBody: JSON.stringify(SEED_CREATE), headers: { 'content-type': '' } }],
    ])('POST /templates with %s is %i %s', async (_what, status, code, options: Parameters<typeof http>[3]) => {
      expectError(await call('POST', '/templates', options), status, code);
    });

    it('PUT /templates/{id} with an id that is not a UUID is 422 naming id; an absent one is 404 notif.template_not_found; a taken name 409', async () => {
      expectError(await call('PUT', '/templates/tpl-999', { body: { content: 'x' } }), 422, 'common.validation_failed', 'id');
      expectError(await call('PUT', `/templates/${ABSENT_ID}`, { body: { content: 'x' } }), 404, 'notif.template_not_found');
      expectError(await call('GET', `/templates/${ABSENT_ID}`), 404, 'notif.template_not_found');
      expectError(await call('PUT', `/templates/${welcomeId}`, { body: { name: 'reset_sms' } }), 409, 'notif.template_name_taken');
      expectError(await call('PUT', `/templates/${welcomeId}`, { body: { type: 'pager' } }), 422, 'common.validation_failed', 'type');
    });
  });

  describe('send', () => {
    let greetId: string;
    let resetSmsId: string;
    let hookTemplateId: string;

    beforeAll(async () => {
      // Seed 002's /send example sends params.name, so its template is a manual one (no trigger event).
      greetId = (await createTemplate({ name: 'greet_email', type: 'email', language: 'vi', subject: 'Xin chào', content: 'Xin chào {{name}}' })).id;
      resetSmsId = (await createTemplate({ name: 'reset_sms_manual', type: 'sms', content: 'Code {{code}}' })).id;
      hookTemplateId = (await createTemplate({ name: 'hook_note', type: 'webhook', subject: 'Note for {{who}}', content: '{{who}} said <b>{{what}}</b>' })).id;
    });

    it("POST /send with seed 002's body is 202 queued with the notification id; the mail arrives and the status turns sent", async () => {
      const res = await call('POST', '/send', { body: { template_id: greetId, recipient: 'student@vas.edu.vn', channel: 'email', params: { name: 'Nguyễn Văn A' } } });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        data: { status: 'queued', notification_id: expect.stringMatching(UUID) },
        meta: { request_id: res.headers.get('x-trace-id'), timestamp: expect.stringMatching(ISO) },
      });
      const id = res.body.data.notification_id;
      await waitFor(async () => (await statusOf(id)).status === 'sent', 15_000);
      const status = await statusOf(id);
      expect(status).toMatchObject({ notification_id: id, status: 'sent', state: 'sent', channel: 'email', recipient: 'student@vas.edu.vn', template_id: greetId, template_version: 1, attempts: 1, last_error: null, sent_at: expect.stringMatching(ISO) });
      const mail = sink.messages.find((m) => m.to.includes('student@vas.edu.vn'));
      expect(mail?.subject).toBe('Xin chào');
      expect(mail?.text).toContain('Xin chào Nguyễn Văn A');
    });

    it('a webhook template goes to the webhook notifier with the rendered title and body, unescaped (plain text)', async () => {
      const res = await call('POST', '/send', { body: { template_id: hookTemplateId, params: { who: 'Ann & Bob', what: 'hi' } } });
      expect(res.status).toBe(202);
      const id = res.body.data.notification_id;
      await waitFor(async () => (await statusOf(id)).status === 'sent', 15_000);
      expect(await statusOf(id)).toMatchObject({ channel: 'webhook', channel_id: webhookId, recipient: null });
      const delivered = target.requests.find((r) => r.path === '/hook' && (r.json as { data?: { notification_id?: string } })?.data?.notification_id === id);
      expect(delivered?.json).toMatchObject({ data: expect.objectContaining({ title: 'Note for Ann & Bob', body: 'Ann & Bob said <b>hi</b>' }) });
    });

    it('/send whose params would render a body over TEMPLATE_MAX_OUTPUT_CHARS is 422 notif.template_too_large, and nothing is queued', async () => {
      const before = await recordCount();
      const res = await call('POST', '/send', { body: { template_id: hookTemplateId, params: { who: 'Ann', what: 'w'.repeat(300 * 1024) } } });
      expectError(res, 422, 'notif.template_too_large');
      expect(res.body.error.details).toMatchObject({ template_id: hookTemplateId, limit: 'TEMPLATE_MAX_OUTPUT_CHARS', max: 256 * 1024 });
      expect(await recordCount()).toBe(before);
    });

    it('/send on a channel no enabled notifier serves is 422 notif.channel_unavailable, and nothing is queued', async () => {
      const before = await recordCount();
      const res = await call('POST', '/send', { body: { template_id: resetSmsId, recipient: '+84901234567', channel: 'sms', params: { code: '123456' } } });
      expectError(res, 422, 'notif.channel_unavailable');
      expect(res.body.error.details).toEqual({ channel: 'sms' });
      expect(res.body.error.message).toMatch(/sms/);
      expect(await recordCount()).toBe(before);
    });

    it.each([
      ['a template_id that is not a UUID', 422, 'common.validation_failed', 'template_id', () => ({ template_id: 'tpl-001', recipient: 'a@example.com' })],
      ['no template_id', 422, 'common.validation_failed', 'template_id', () => ({ recipient: 'a@example.com' })],
      ['an unknown channel', 422, 'common.validation_failed', 'channel', () => ({ template_id: greetId, channel: 'fax', recipient: 'a@example.com' })],
      ['a channel the template is not for', 422, 'common.validation_failed', 'channel', () => ({ template_id: greetId, channel: 'webhook', params: { name: 'x' } })],
      ['params that are an array', 422, 'common.validation_failed', 'params', () => ({ template_id: greetId, recipient: 'a@example.com', params: ['Ann'] })],
      ['params that are a string', 422, 'common.validation_failed', 'params', () => ({ template_id: greetId, recipient: 'a@example.com', params: 'name=Ann' })],
      ['a recipient that is not an email address on email', 422, 'common.validation_failed', 'recipient', () => ({ template_id: greetId, recipient: 'not-an-address', params: { name: 'x' } })],
      ['a recipient over 320 characters', 422, 'common.validation_failed', 'recipient', () => ({ template_id: greetId, recipient: `${'a'.repeat(320)}@example.com`, params: { name: 'x' } })],
      ['an unknown field', 422, 'common.validation_failed', 'to', () => ({ template_id: greetId, to: 'a@example.com' })],
      ['a template that does not exist', 404, 'notif.template_not_found', undefined, () => ({ template_id: ABSENT_ID, recipient: 'a@example.com' })],
    ])('POST /send with %s is %i %s', async (_what, status, code, field, body) => {
      expectError(await call('POST', '/send', { body: body() }), status, code, field);
    });

    it('a missing param is a clear error naming it, and nothing is queued', async () => {
      const res = await call('POST', '/send', { body: { template_id: greetId, recipient: 'a@example.com', params: { nom: 'x' } } });
      expect(res.body.error.code).toBe('notif.template_param_missing');
      expect(res.status).toBe(422);
      expect(res.body.error.message).toMatch(/name/);
      contract.check('POST', '/send', res.status, res.body);
    });

    it('an Idempotency-Key makes a retried POST /send the same notification; the key with other fields is 409; another caller is another send', async () => {
      const body = { template_id: hookTemplateId, params: { who: 'Idem', what: 'once' } };
      const headers = { 'idempotency-key': 'rb-notify-1' };
      const before = await recordCount();
      const first = await call('POST', '/send', { body, headers });
      expect(first.status).toBe(202);
      const again = await call('POST', '/send', { body, headers });
      expect(again.status).toBe(202);
      expect(again.body.data).toEqual(first.body.data);
      expect(await recordCount()).toBe(before + 1);
      const other = await call('POST', '/send', { body: { ...body, params: { who: 'Idem', what: 'twice' } }, headers });
      expectError(other, 409, 'notif.idempotency_key_reused');
      expect(other.body.error.details).toEqual({ notification_id: first.body.data.notification_id });
      const theirs = await call('POST', '/send', { body, headers, token: await app.tokens.sign({ sub: 'another-service', role: 'user', permissions: ['notif.send_manual'] }) });
      expect(theirs.status).toBe(202);
      expect(theirs.body.data.notification_id).not.toBe(first.body.data.notification_id);
      expect(await recordCount()).toBe(before + 2);
      expectError(await call('POST', '/send', { body, headers: { 'idempotency-key': 'has space' } }), 422, 'common.validation_failed', 'idempotency-key');
    });

    it('GET /notifications/{id} for an id that is not a UUID is 422; for an absent one 404 notif.record_not_found', async () => {
      expectError(await call('GET', '/notifications/notif-abc123'), 422, 'common.validation_failed', 'id');
      expectError(await call('GET', `/notifications/${ABSENT_ID}`), 404, 'notif.record_not_found');
    });

    it('the GraphQL twin sendTemplate queues the same way', async () => {
      const res = await graphql(
        app.httpUrl,
        'mutation($input: SendTemplateInput!) { sendTemplate(input: $input) { status notificationId channelId } }',
        { input: { templateId: hookTemplateId, params: { who: 'Cy', what: 'graphql' } } },
        app.tokens.admin,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.sendTemplate).toEqual({ status: 'queued', notificationId: expect.stringMatching(UUID), channelId: webhookId });
      const missing = await graphql(app.httpUrl, 'mutation($input: SendTemplateInput!) { sendTemplate(input: $input) { status } }', { input: { templateId: hookTemplateId, channel: 'sms' } }, app.tokens.admin);
      expect(missing.body.errors?.[0].extensions?.errorCode).toBe('common.validation_failed');
    });
  });

  describe('permission codes (seed 002 RBAC): admin holds all; each code opens only its APIs', () => {
    const operations: HttpOperation[] = [
      { name: 'GET /templates', method: 'GET', path: '/templates', access: { permission: 'notif.read_template' } },
      { name: 'GET /templates/{id}', method: 'GET', path: `/templates/${ABSENT_ID}`, access: { permission: 'notif.read_template' } },
      { name: 'POST /templates', method: 'POST', path: '/templates', access: { permission: 'notif.write_template' }, body: { name: 'matrix', type: 'sms' } },
      { name: 'PUT /templates/{id}', method: 'PUT', path: `/templates/${ABSENT_ID}`, access: { permission: 'notif.write_template' }, body: { content: 'x' } },
      { name: 'POST /send', method: 'POST', path: '/send', access: { permission: 'notif.send_manual' }, body: { template_id: ABSENT_ID } },
      { name: 'GET /notifications/{id}', method: 'GET', path: `/notifications/${ABSENT_ID}`, access: { permission: 'notif.send_manual' } },
    ];
    describeHttpAuthMatrix(operations, () => ({ app }), (op, res) => contract.check(op.method, op.path, res.status, res.body));

    it.each([
      ['notif.read_template', 'POST', '/templates'],
      ['notif.read_template', 'POST', '/send'],
      ['notif.write_template', 'GET', '/templates'],
      ['notif.write_template', 'POST', '/send'],
      ['notif.send_manual', 'GET', '/templates'],
      ['notif.send_manual', 'PUT', `/templates/${ABSENT_ID}`],
    ])('a token with only %s gets 403 auth.permission_denied on %s %s', async (permission, method, path) => {
      const token = await app.tokens.withPermissions(permission);
      const res = await http(app.httpUrl, method, path, { token, body: method === 'GET' ? undefined : {} });
      expectError(res, 403, 'auth.permission_denied');
    });
  });
});
