import { randomBytes } from 'node:crypto';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { graphql, http } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A notification queued by POST /send or scheduleNotification belongs to the token subject that
 * queued it: its sender and admins read and cancel it; anyone else — even holding
 * notif.send_manual — gets the answer for no record at all (404 / NOT_FOUND), so an id (which
 * leaves the system as webhook-id and Message-ID) is neither a key to someone's reset code nor an
 * oracle of what exists. Records planned from events have no sender: only admins cancel them.
 */
describe('who may follow and cancel a notification', () => {
  let app: TestApp;
  let target: HttpTarget;
  let templateId: string;
  let alice: string;
  let mallory: string;
  const later = () => new Date(Date.now() + 3_600_000).toISOString();
  const send = (token: string) => http(app.httpUrl, 'POST', '/send', { token, body: { template_id: templateId, params: { code: '482913' }, send_at: later() } });
  const status = (token: string, id: string) => http(app.httpUrl, 'GET', `/notifications/${id}`, { token });
  const cancelGql = (token: string, id: string) =>
    graphql(app.httpUrl, 'mutation($id: ID!) { cancelNotification(id: $id) { id status body data } }', { id }, token);

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/hook', { status: 204 });
    app = await startTestApp({ PLUGIN_HTTP_ALLOW: target.hostPort });
    alice = await app.tokens.sign({ sub: 'alice', role: 'user', permissions: ['notif.send_manual'] });
    mallory = await app.tokens.sign({ sub: 'mallory', role: 'user', permissions: ['notif.send_manual'] });
    const plugins = await graphql(app.httpUrl, '{ plugins(pluginType: "notifier") { id pluginId } }', {}, app.tokens.admin);
    const webhook = (plugins.body.data.plugins as { id: string; pluginId: string }[]).find((p) => p.pluginId === 'webhook')!.id;
    const created = await graphql(
      app.httpUrl,
      'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }',
      { input: { pluginDefId: webhook, displayName: 'hook', config: { url: target.url('/hook'), secret: `whsec_${randomBytes(24).toString('base64')}` } } },
      app.tokens.admin,
    );
    expect(created.body.errors).toBeUndefined();
    const template = await http(app.httpUrl, 'POST', '/templates', {
      token: app.tokens.admin,
      body: { name: 'reset_hook', type: 'webhook', language: 'en', trigger_event: 'password.reset_requested', content: 'Your code is {{code}}' },
    });
    expect(template.status).toBe(201);
    templateId = template.body.data.id;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await target?.close();
  });

  it("another send_manual caller gets 404 for alice's notification, the same as for an id that does not exist, and cancels nothing", async () => {
    const sent = await send(alice);
    expect(sent.status).toBe(202);
    const id = sent.body.data.notification_id as string;

    const peek = await status(mallory, id);
    const none = await status(mallory, '0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e');
    expect(peek.status).toBe(404);
    expect(peek.body.error.code).toBe('notif.record_not_found');
    expect(none.status).toBe(404);
    expect(peek.body.error.message.replace(id, '<id>')).toBe(none.body.error.message.replace('0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e', '<id>'));

    const deleted = await http(app.httpUrl, 'DELETE', `/notifications/${id}`, { token: mallory });
    expect(deleted.status).toBe(404);
    const gql = await cancelGql(mallory, id);
    expect(gql.body.data).toBeNull();
    expect(gql.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', errorCode: 'notif.record_not_found' });
    expect(JSON.stringify(gql.body)).not.toContain('482913');

    // Still queued: its sender and an admin see it.
    expect((await status(alice, id)).body.data).toMatchObject({ status: 'queued', state: 'queued' });
    expect((await status(app.tokens.admin, id)).body.data).toMatchObject({ status: 'queued' });
  });

  it('its sender cancels it (REST and GraphQL); an admin cancels anyone\'s', async () => {
    const [first, second, third] = [await send(alice), await send(alice), await send(mallory)];
    expect((await http(app.httpUrl, 'DELETE', `/notifications/${first.body.data.notification_id}`, { token: alice })).body.data).toMatchObject({ state: 'cancelled' });
    expect((await cancelGql(alice, second.body.data.notification_id)).body.data.cancelNotification).toMatchObject({ status: 'cancelled' });
    expect((await cancelGql(app.tokens.admin, third.body.data.notification_id)).body.data.cancelNotification).toMatchObject({ status: 'cancelled' });
  });

  it('scheduleNotification records belong to their caller too', async () => {
    const scheduled = await graphql(
      app.httpUrl,
      'mutation($input: ScheduleNotificationInput!) { scheduleNotification(input: $input) { notificationId } }',
      { input: { templateId, params: { code: '482913' }, sendAt: later() } },
      alice,
    );
    expect(scheduled.body.errors).toBeUndefined();
    const id = scheduled.body.data.scheduleNotification.notificationId as string;
    expect((await cancelGql(mallory, id)).body.errors?.[0]?.extensions?.errorCode).toBe('notif.record_not_found');
    expect((await status(alice, id)).status).toBe(200);
  });
});
