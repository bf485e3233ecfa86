import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { graphql, type GraphqlResponse, type HttpResult } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const FIELDS = 'id name type language triggerEvent subject content version createdAt updatedAt';
const CREATE = `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { ${FIELDS} versions { version subject content } } }`;
const GET = `query($id: ID!) { template(id: $id) { ${FIELDS} versions { version subject content } } }`;
const LIST = `query($page: Int, $pageSize: Int, $type: String, $triggerEvent: String, $language: String) {
  templates(page: $page, pageSize: $pageSize, type: $type, triggerEvent: $triggerEvent, language: $language) { total page pageSize items { name type language triggerEvent } } }`;
const PREVIEW = `mutation($id: ID, $content: String, $subject: String, $channel: String, $triggerEvent: String, $params: JSON!) {
  previewTemplate(id: $id, content: $content, subject: $subject, channel: $channel, triggerEvent: $triggerEvent, params: $params) { title body templateId templateVersion } }`;

/**
 * Seed 002's templates over GraphQL on the real app and database: create, list, get, partial
 * update with version history, the error codes (validation naming fields, not found, name and
 * trigger conflicts, missing params), previews, and who may do what.
 */
describe('notification templates (GraphQL)', () => {
  let app: TestApp;
  let db: AppDatabase;
  const gql = (query: string, variables: Record<string, unknown> = {}, token: string | null = app.tokens.admin) => graphql(app.httpUrl, query, variables, token);
  const errorOf = (res: HttpResult<GraphqlResponse>) => {
    expect(res.body.errors).toHaveLength(1);
    const ext = res.body.errors![0].extensions!;
    return { code: ext.code, errorCode: ext.errorCode, fields: (ext.details?.violations ?? []).map((v: { field: string }) => v.field), message: res.body.errors![0].message };
  };
  const create = async (input: Record<string, unknown>) => {
    const res = await gql(CREATE, { input });
    if (res.body.errors) throw new Error(`createTemplate failed: ${JSON.stringify(res.body.errors)}`);
    return res.body.data.createTemplate;
  };

  beforeAll(async () => {
    app = await startTestApp({ DEFAULT_LANGUAGE: 'vi' });
    db = appDatabase(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('creates a template (seed 002\'s reset_sms) with defaults, and reads it back', async () => {
    const created = await create({ name: 'reset_sms', type: 'sms', language: 'vi', triggerEvent: 'password.reset_requested', content: 'Mã xác thực của bạn là: {{code}}' });
    expect(created).toMatchObject({ name: 'reset_sms', type: 'sms', language: 'vi', triggerEvent: 'password.reset_requested', subject: null, version: 1 });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const read = await gql(GET, { id: created.id });
    expect(read.body.data.template).toMatchObject({ ...created, versions: [{ version: 1, subject: null, content: 'Mã xác thực của bạn là: {{code}}' }] });
    // No language: DEFAULT_LANGUAGE (vi here).
    expect((await create({ name: 'plain_note', type: 'chat', content: 'Note: {{text}}' })).language).toBe('vi');
  });

  it('updates partially: a new content bumps the version and adds a history row; other fields do not', async () => {
    const t = await create({ name: 'welcome_email', type: 'email', language: 'vi', triggerEvent: 'user.created', content: 'Xin chào {{full_name}}' });
    const renamed = await gql(UPDATE, { id: t.id, input: { name: 'welcome_email_vi' } });
    expect(renamed.body.data.updateTemplate).toMatchObject({ name: 'welcome_email_vi', content: 'Xin chào {{full_name}}', version: 1 });
    const edited = await gql(UPDATE, { id: t.id, input: { subject: 'Chào mừng {{full_name}}', content: 'Xin chào {{full_name}} ({{email}})' } });
    expect(edited.body.data.updateTemplate).toMatchObject({ name: 'welcome_email_vi', triggerEvent: 'user.created', language: 'vi', version: 2 });
    expect(edited.body.data.updateTemplate.versions).toEqual([
      { version: 1, subject: null, content: 'Xin chào {{full_name}}' },
      { version: 2, subject: 'Chào mừng {{full_name}}', content: 'Xin chào {{full_name}} ({{email}})' },
    ]);
    const history = await db.query(`SELECT version, content FROM notification_template_versions WHERE template_id = $1 ORDER BY version`, [t.id]);
    expect(history.rows.map((r: { version: number }) => r.version)).toEqual([1, 2]);
    // The same text again is no new version.
    expect((await gql(UPDATE, { id: t.id, input: { content: 'Xin chào {{full_name}} ({{email}})' } })).body.data.updateTemplate.version).toBe(2);
  });

  it('lists by name with paging and filters; bad page values name the field', async () => {
    await create({ name: 'report_ready', type: 'email', language: 'en', triggerEvent: 'report.generated', content: 'Download: {{download_url}}' });
    const all = await gql(LIST, {});
    expect(all.body.data.templates).toMatchObject({ page: 1, pageSize: 20 });
    const names = all.body.data.templates.items.map((i: { name: string }) => i.name);
    expect(names).toEqual([...names].sort());
    const paged = await gql(LIST, { page: 2, pageSize: 1 });
    expect(paged.body.data.templates).toMatchObject({ total: all.body.data.templates.total, page: 2, pageSize: 1, items: [{ name: names[1] }] });
    expect((await gql(LIST, { type: 'sms' })).body.data.templates.items.map((i: { name: string }) => i.name)).toEqual(['reset_sms']);
    expect((await gql(LIST, { triggerEvent: 'report.generated', language: 'EN' })).body.data.templates.items).toEqual([
      { name: 'report_ready', type: 'email', language: 'en', triggerEvent: 'report.generated' },
    ]);
    expect(errorOf(await gql(LIST, { page: 0, pageSize: 101 }))).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed', fields: ['page', 'page_size'] });
  });

  it('refuses a taken name (CONFLICT, notif.template_name_taken), also when two creates race', async () => {
    const input = { name: 'race_me', type: 'sms', content: 'x' };
    const results = await Promise.all([gql(CREATE, { input }), gql(CREATE, { input }), gql(CREATE, { input })]);
    expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
    for (const r of results.filter((r) => r.body.errors)) expect(errorOf(r)).toMatchObject({ code: 'CONFLICT', errorCode: 'notif.template_name_taken' });
    const dup = errorOf(await gql(CREATE, { input: { name: 'reset_sms', type: 'email', content: 'y' } }));
    expect(dup).toMatchObject({ code: 'CONFLICT', errorCode: 'notif.template_name_taken', message: 'A template named "reset_sms" already exists' });
  });

  it('refuses a second template for the same event, channel type and language (notif.template_trigger_taken)', async () => {
    const res = await gql(CREATE, { input: { name: 'reset_sms_2', type: 'sms', language: 'vi', triggerEvent: 'password.reset_requested', content: 'Code {{code}}' } });
    expect(errorOf(res)).toMatchObject({ code: 'CONFLICT', errorCode: 'notif.template_trigger_taken' });
    // Another language is another template.
    expect((await create({ name: 'reset_sms_en', type: 'sms', language: 'en', triggerEvent: 'password.reset_requested', content: 'Code {{code}}' })).language).toBe('en');
  });

  it('answers a non-UUID id with validation naming id, and an unknown one with NOT_FOUND', async () => {
    expect(errorOf(await gql(GET, { id: 'tpl-999' }))).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed', fields: ['id'] });
    expect(errorOf(await gql(UPDATE, { id: 'tpl-999', input: { content: 'x' } }))).toMatchObject({ errorCode: 'common.validation_failed', fields: ['id'] });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(errorOf(await gql(GET, { id: missing }))).toMatchObject({ code: 'NOT_FOUND', errorCode: 'notif.template_not_found' });
    expect(errorOf(await gql(UPDATE, { id: missing, input: { content: 'x' } }))).toMatchObject({ code: 'NOT_FOUND', errorCode: 'notif.template_not_found' });
  });

  it('saves placeholders the trigger event\'s payload does not have, with warnings naming them and what the event offers', async () => {
    const WARNINGS = 'query($id: ID!) { template(id: $id) { warnings { code field placeholders event offered message } } }';
    const saved = await create({ name: 'welcome_extra', type: 'email', language: 'en', triggerEvent: 'user.created', subject: 'Hi {{first_name}}', content: 'Hello {{full_name}}, {{nickname}}' });
    const offered = ['user_id', 'email', 'full_name', 'language'];
    expect((await gql(WARNINGS, { id: saved.id })).body.data.template.warnings).toEqual([
      { code: 'notif.template_placeholder_not_in_event', field: 'subject', placeholders: ['first_name'], event: 'user.created', offered, message: expect.stringContaining('first_name') },
      { code: 'notif.template_placeholder_not_in_event', field: 'content', placeholders: ['nickname'], event: 'user.created', offered, message: expect.stringContaining('nickname') },
    ]);
    // An update that sets a trigger event is told about the template's kept text.
    const plain = await create({ name: 'ticket_note', type: 'sms', content: 'Ticket {{ticket}}' });
    expect((await gql(WARNINGS, { id: plain.id })).body.data.template.warnings).toEqual([]);
    expect((await gql(UPDATE, { id: plain.id, input: { triggerEvent: 'ticket_replied' } })).body.errors).toBeUndefined();
    expect((await gql(WARNINGS, { id: plain.id })).body.data.template.warnings).toMatchObject([{ field: 'content', placeholders: ['ticket'], event: 'ticket_replied' }]);
    expect(errorOf(await gql(UPDATE, { id: plain.id, input: { triggerEvent: 'no.such_event' } }))).toMatchObject({ fields: ['trigger_event'] });
  });

  it('refuses bad template syntax and unescaped output in email bodies, naming the field', async () => {
    const bad = errorOf(await gql(CREATE, { input: { name: 'broken', type: 'email', subject: '{{#x}}', content: 'Hi {{name' } }));
    expect(bad).toMatchObject({ errorCode: 'common.validation_failed', fields: ['subject', 'content'] });
    expect(bad.message).toContain('Unclosed section "x"');
    expect(bad.message).toContain('Unclosed tag');
    expect(errorOf(await gql(CREATE, { input: { name: 'raw_mail', type: 'email', content: '{{{html}}}' } }))).toMatchObject({ fields: ['content'] });
    const big = 'x'.repeat(100 * 1024);
    expect((await create({ name: 'big_one', type: 'sms', content: big })).content).toHaveLength(big.length);
    expect(errorOf(await gql(CREATE, { input: { name: 'too_big', type: 'sms', content: `${big}x` } }))).toMatchObject({ fields: ['content'] });
  });

  it('refuses 8,000 nested sections on save and in a preview with a validation error naming content (it was a stack overflow, 500)', async () => {
    const deep = '{{#s}}'.repeat(8_000) + 'x' + '{{/s}}'.repeat(8_000);
    const saved = errorOf(await gql(CREATE, { input: { name: 'deep_one', type: 'sms', content: deep } }));
    expect(saved).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed', fields: ['content'] });
    expect(saved.message).toContain('nested more than 32 deep');
    const previewed = errorOf(await gql(PREVIEW, { content: deep, channel: 'sms', params: {} }));
    expect(previewed).toMatchObject({ errorCode: 'common.validation_failed', fields: ['content'] });
    const rest = await fetch(`${app.httpUrl}/templates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.tokens.admin}` },
      body: JSON.stringify({ name: 'deep_rest', type: 'sms', content: deep }),
    });
    expect(rest.status).toBe(422);
  });

  it('stops a preview that would render too much (nested sections over a long list, a huge body) with notif.template_too_large, and stays responsive', async () => {
    const items = Array.from({ length: 400 }, () => ({}));
    const started = Date.now();
    const nested = errorOf(await gql(PREVIEW, { content: '{{#a}}{{#a}}{{#a}}{{b}}{{/a}}{{/a}}{{/a}}', channel: 'sms', params: { a: items, b: 'x' } }, await app.tokens.withPermissions('notif.read_template')));
    expect(nested).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'notif.template_too_large' });
    expect(nested.message).toContain('steps');
    const huge = errorOf(await gql(PREVIEW, { content: '{{#a}}{{b}}{{/a}}', channel: 'sms', params: { a: items, b: 'y'.repeat(1_000) } }));
    expect(huge).toMatchObject({ errorCode: 'notif.template_too_large' });
    expect(huge.message).toContain(`exceed ${256 * 1024} characters`);
    expect(Date.now() - started).toBeLessThan(10_000); // it ran for ~40 s and 1.9 GB before the caps
    const health = await fetch(`${app.httpUrl}/health`);
    expect(health.status).toBe(200);
  });

  it('previews a stored template and a text without sending, escaping for email only', async () => {
    const stored = await create({ name: 'greeting_mail', type: 'email', subject: 'Hi {{name}}', content: '<p>Hello {{name}}</p>' });
    const mail = await gql(PREVIEW, { id: stored.id, params: { name: '<b>Ann</b>' } });
    expect(mail.body.data.previewTemplate).toEqual({ title: 'Hi <b>Ann</b>', body: '<p>Hello &lt;b&gt;Ann&lt;&#x2F;b&gt;</p>', templateId: stored.id, templateVersion: 1 });
    const sms = await gql(PREVIEW, { content: 'Code {{code}} <ok>', channel: 'sms', params: { code: '<1&2>' } });
    expect(sms.body.data.previewTemplate).toEqual({ title: 'Notification', body: 'Code <1&2> <ok>', templateId: null, templateVersion: null });
    // The event's default title when the template has no subject.
    const titled = await gql(PREVIEW, { content: 'Hi {{full_name}}', triggerEvent: 'user.created', params: { user_id: 'u1', email: 'a@b.example', full_name: 'A' } });
    expect(titled.body.data.previewTemplate.title).toBe('Welcome!');
    const missing = errorOf(await gql(PREVIEW, { id: stored.id, params: { other: 1 } }));
    expect(missing).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'notif.template_param_missing' });
    expect(missing.message).toContain('name');
    expect(errorOf(await gql(PREVIEW, { content: '{{constructor}}{{toString}}', channel: 'sms', params: {} }))).toMatchObject({ errorCode: 'notif.template_param_missing' });
    expect(errorOf(await gql(PREVIEW, { id: stored.id, params: [1] }))).toMatchObject({ errorCode: 'common.validation_failed', fields: ['params'] });
    expect(errorOf(await gql(PREVIEW, { content: 'Hi {{x', params: {} }))).toMatchObject({ fields: ['content'] });
  });

  describe('permissions', () => {
    let templateId: string;
    const ops = (): Record<string, { query: string; variables: () => Record<string, unknown>; permission: string }> => ({
      templates: { query: LIST, variables: () => ({}), permission: 'notif.read_template' },
      template: { query: GET, variables: () => ({ id: templateId }), permission: 'notif.read_template' },
      previewTemplate: { query: PREVIEW, variables: () => ({ id: templateId, params: { code: '1' } }), permission: 'notif.read_template' },
      createTemplate: { query: CREATE, variables: () => ({ input: { name: `perm_${Math.random().toString(36).slice(2)}`, type: 'sms', content: 'x' } }), permission: 'notif.write_template' },
      updateTemplate: { query: UPDATE, variables: () => ({ id: templateId, input: { content: 'Mã: {{code}}' } }), permission: 'notif.write_template' },
    });
    beforeAll(async () => {
      templateId = (await db.query<{ id: string }>(`SELECT id FROM notification_templates WHERE name = 'reset_sms'`)).rows[0].id;
    });

    it.each(['admin', 'notif.read_template', 'notif.write_template', 'none', 'no token'])('as %s', async (who) => {
      const token =
        who === 'admin' ? app.tokens.admin : who === 'none' ? app.tokens.user : who === 'no token' ? null : await app.tokens.withPermissions(who);
      for (const [name, op] of Object.entries(ops())) {
        const res = await gql(op.query, op.variables(), token);
        const allowed = who === 'admin' || who === op.permission;
        if (allowed) {
          expect([name, res.body.errors]).toEqual([name, undefined]);
          expect(res.body.data[name]).toBeTruthy();
        } else {
          expect([name, res.body.errors?.[0]?.extensions?.code]).toEqual([name, who === 'no token' ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
        }
      }
    });
  });
});
