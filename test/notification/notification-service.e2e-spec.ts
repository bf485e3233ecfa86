import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { SmtpSink } from '../support/fake-servers/smtp-sink.js';
import { errorCodeOf, GrpcTestClient } from '../support/grpc-client.js';
import { graphql } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
/** Seed 000's grpcurl body for SendNotification, verbatim (its recipient is the docs' obfuscated email). */
const SEED_SEND = { event_type: 'test', title: '测试通知', body: '这是一条测试消息', recipient: '[email protected]', metadata: {}, channel_ids: [] };

interface Result {
  channel_id: string;
  success: boolean;
  error_message: string;
}

describe('NotificationService (seed 000): ListNotifiers and SendNotification over gRPC, and their GraphQL twins', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let sink: SmtpSink;
  let db: AppDatabase;
  const ids = { ok: '', down: '', bad: '', email: '', disabled: '' };

  const gql = (query: string, variables: Record<string, unknown> = {}, token = app.tokens.admin) => graphql<any>(app.httpUrl, query, variables, token);
  const create = async (plugin: string, displayName: string, config: Record<string, unknown>): Promise<string> => {
    const res = await gql('mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }', { input: { pluginDefId: plugin, displayName, config } });
    if (res.body.errors) throw new Error(`createPluginInterface failed: ${JSON.stringify(res.body.errors)}`);
    return res.body.data.createPluginInterface.id;
  };
  const send = async (request: Record<string, unknown>, token: string = app.tokens.admin) => client.call<{ results: Result[] }>('NotificationService', 'SendNotification', request, token);
  const byChannel = (results: Result[]) => Object.fromEntries(results.map((r) => [r.channel_id, r]));

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/ok', { status: 200, body: { received: true } });
    target.on('POST', '/down', { status: 503, headers: { 'retry-after': '3600' }, body: 'maintenance' });
    target.on('POST', '/bad', { status: 400, body: { error: 'unknown field' } });
    sink = await SmtpSink.start();
    app = await startTestApp({ PLUGIN_HTTP_ALLOW: target.hostPort, SMTP_URL: sink.url(), DELIVERY_POLL_MS: '200' });
    client = new GrpcTestClient(app.grpcAddress);
    db = appDatabase(app);
    const plugins = await gql('{ plugins { id pluginType pluginId } }');
    const def = (key: string) => (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => `${p.pluginType}/${p.pluginId}` === key)!.id;
    const hook = (path: string) => ({ url: target.url(path), secret: SECRET, events: ['order_paid', 'test'] });
    ids.ok = await create(def('notifier/webhook'), 'hook-ok', hook('/ok'));
    ids.email = await create(def('notifier/email'), 'mail-ops', { default_to: ['ops@example.com'] });
    ids.down = await create(def('notifier/webhook'), 'hook-down', hook('/down'));
    ids.bad = await create(def('notifier/webhook'), 'hook-bad', hook('/bad'));
    ids.disabled = await create(def('notifier/webhook'), 'hook-off', hook('/ok'));
    const off = await gql('mutation($id: ID!) { togglePluginInterface(id: $id, enable: false) { id enabled } }', { id: ids.disabled });
    expect(off.body.errors).toBeUndefined();
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
    await sink?.close();
  });

  it('ListNotifiers answers the enabled notifiers with their supported events and health', async () => {
    const res = await client.call<{ notifiers: { channel_id: string; channel_name: string; supported_events: string[]; is_healthy: boolean }[] }>(
      'NotificationService',
      'ListNotifiers',
      {},
      app.tokens.admin,
    );
    expect(res.error).toBeUndefined();
    const list = res.response!.notifiers;
    expect(list.map((n) => n.channel_id).sort()).toEqual([ids.ok, ids.email, ids.down, ids.bad].sort());
    const ok = list.find((n) => n.channel_id === ids.ok)!;
    expect(ok).toEqual({ channel_id: ids.ok, channel_name: 'hook-ok', supported_events: ['order_paid', 'test'], is_healthy: expect.any(Boolean) });
    expect(list.find((n) => n.channel_id === ids.email)!.supported_events).toContain('test');
  });

  it("sends seed 000's body to every enabled channel: one result each, after the first attempt, recorded in notification_records", async () => {
    const before = target.requests.length;
    const res = await send(SEED_SEND);
    expect(res.error).toBeUndefined();
    const results = byChannel(res.response!.results);
    expect(Object.keys(results).sort()).toEqual([ids.ok, ids.email, ids.down, ids.bad].sort());
    expect(results[ids.ok]).toEqual({ channel_id: ids.ok, success: true, error_message: '' });
    // The seed's recipient is not an address: the email notifier refuses it, nothing is mailed.
    expect(results[ids.email].success).toBe(false);
    expect(results[ids.email].error_message).toMatch(/not an email address/);
    expect(results[ids.down].success).toBe(false);
    expect(results[ids.down].error_message).toMatch(/^temporary failure, will retry at \d{4}-\d\d-\d\dT[\d:.]+Z: /);
    expect(results[ids.bad].success).toBe(false);
    expect(results[ids.bad].error_message).not.toMatch(/will retry/);
    expect(results[ids.bad].error_message).not.toBe('');
    expect(sink.messages).toHaveLength(0);

    const delivered = target.requests.slice(before).filter((r) => r.method === 'POST' && r.path === '/ok');
    expect(delivered).toHaveLength(1);
    expect(delivered[0].json).toMatchObject({ type: 'test', data: expect.objectContaining({ title: '测试通知', body: '这是一条测试消息' }) });

    const { rows } = await db.query(
      `SELECT event_id, event_type, interface_id, recipient, title, body, data, metadata, status, attempt_count, template_id FROM notification_records
        WHERE title = '测试通知' AND interface_id = ANY($1::uuid[])`,
      [[ids.ok, ids.email, ids.down, ids.bad]],
    );
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(1);
    expect(rows[0].event_id).toMatch(/^manual:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const row of rows) {
      expect(row).toMatchObject({ event_type: 'test', recipient: '[email protected]', body: '这是一条测试消息', data: {}, metadata: {}, attempt_count: 1, template_id: null });
    }
    const state = Object.fromEntries(rows.map((r) => [r.interface_id, r.status]));
    expect(state).toEqual({ [ids.ok]: 'sent', [ids.email]: 'dead', [ids.down]: 'failed', [ids.bad]: 'dead' });
  });

  it("an empty recipient is the channel's default; metadata is stored as given", async () => {
    const res = await send({ event_type: 'test', title: 'to the default', body: 'hello', metadata: { ticket: 'T-1' }, channel_ids: [ids.email] });
    expect(res.error).toBeUndefined();
    expect(res.response!.results).toEqual([{ channel_id: ids.email, success: true, error_message: '' }]);
    expect(sink.messages.map((m) => m.envelopeTo)).toEqual([['ops@example.com']]);
    const { rows } = await db.query(`SELECT recipient, metadata, status FROM notification_records WHERE title = 'to the default'`);
    expect(rows).toEqual([{ recipient: null, metadata: { ticket: 'T-1' }, status: 'sent' }]);
  });

  it('unknown, malformed and disabled channel ids are per-channel failures, not a failed call', async () => {
    const unknown = '0192a123-0000-7000-8000-000000000000';
    const res = await send({ event_type: 'test', title: 'picked channels', channel_ids: [ids.ok, unknown, 'not-a-uuid', ids.disabled] });
    expect(res.error).toBeUndefined();
    const results = byChannel(res.response!.results);
    expect(res.response!.results.map((r) => r.channel_id)).toEqual([ids.ok, unknown, 'not-a-uuid', ids.disabled]);
    expect(results[ids.ok].success).toBe(true);
    expect(results[unknown]).toEqual({ channel_id: unknown, success: false, error_message: `no notifier interface ${unknown}` });
    expect(results['not-a-uuid']).toEqual({ channel_id: 'not-a-uuid', success: false, error_message: 'channel_id "not-a-uuid" is not a UUID' });
    expect(results[ids.disabled]).toEqual({ channel_id: ids.disabled, success: false, error_message: `notifier interface ${ids.disabled} is disabled` });
    const { rows } = await db.query(`SELECT interface_id FROM notification_records WHERE title = 'picked channels'`);
    expect(rows.map((r) => r.interface_id)).toEqual([ids.ok]);
  });

  it.each([
    ['event_type', { ...SEED_SEND, event_type: '' }],
    ['title', { ...SEED_SEND, title: '' }],
    ['title', { ...SEED_SEND, title: 'x'.repeat(501) }],
    ['body', { ...SEED_SEND, body: 'x'.repeat(64 * 1024 + 1) }],
    ['recipient', { ...SEED_SEND, recipient: `${'x'.repeat(310)}@example.com` }],
    ['metadata', { ...SEED_SEND, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }],
  ])('INVALID_ARGUMENT naming %s', async (field, request) => {
    const res = await send(request);
    expect(res.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(errorCodeOf(res.error)).toBe('common.validation_failed');
    expect(res.error?.details).toContain(`${field}:`);
  });

  it('a plain user is PERMISSION_DENIED on both RPCs', async () => {
    for (const [method, request] of [
      ['ListNotifiers', {}],
      ['SendNotification', SEED_SEND],
    ] as const) {
      const res = await client.call('NotificationService', method, request, app.tokens.user);
      expect(res.error?.code).toBe(status.PERMISSION_DENIED);
      expect(errorCodeOf(res.error)).toBe('auth.permission_denied');
    }
  });

  it('GraphQL: notificationChannels and sendNotification (admin only)', async () => {
    const channels = await gql('{ notificationChannels { id name channelType supportedEvents isHealthy } }');
    expect(channels.body.errors).toBeUndefined();
    expect(channels.body.data.notificationChannels).toEqual(
      expect.arrayContaining([{ id: ids.email, name: 'mail-ops', channelType: 'email', supportedEvents: expect.arrayContaining(['test']), isHealthy: expect.any(Boolean) }]),
    );
    const sent = await gql('mutation($input: SendNotificationInput!) { sendNotification(input: $input) { channelId success errorMessage } }', {
      input: { eventType: 'test', title: 'over graphql', channelIds: [ids.ok, 'nope'] },
    });
    expect(sent.body.errors).toBeUndefined();
    expect(sent.body.data.sendNotification).toEqual([
      { channelId: ids.ok, success: true, errorMessage: '' },
      { channelId: 'nope', success: false, errorMessage: 'channel_id "nope" is not a UUID' },
    ]);
    const empty = await gql('mutation($input: SendNotificationInput!) { sendNotification(input: $input) { channelId } }', { input: { eventType: 'test', title: '' } });
    expect(empty.body.errors?.[0].extensions?.errorCode).toBe('common.validation_failed');
    const denied = await gql('{ notificationChannels { id } }', {}, app.tokens.user);
    expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('SendNotification in the api role: no worker loops run, the send still delivers in-process', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/ok', { status: 200, body: { received: true } });
    app = await startTestApp({ SWITCHBOARD_ROLE: 'api', PLUGIN_HTTP_ALLOW: target.hostPort });
    client = new GrpcTestClient(app.grpcAddress);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
  });

  it('answers after the first attempt, which this process made', async () => {
    const plugins = await graphql<any>(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const webhook = (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => p.pluginType === 'notifier' && p.pluginId === 'webhook')!.id;
    const created = await graphql<any>(
      app.httpUrl,
      'mutation($input: CreatePluginInterfaceInput!) { createPluginInterface(input: $input) { id } }',
      { input: { pluginDefId: webhook, displayName: 'hook-api', config: { url: target.url('/ok'), secret: SECRET, events: ['test'] } } },
      app.tokens.admin,
    );
    const id = created.body.data.createPluginInterface.id as string;
    const res = await client.call<{ results: Result[] }>('NotificationService', 'SendNotification', { event_type: 'test', title: 'from the api role', channel_ids: [id] }, app.tokens.admin);
    expect(res.error).toBeUndefined();
    expect(res.response!.results).toEqual([{ channel_id: id, success: true, error_message: '' }]);
    expect(target.requests.filter((r) => r.method === 'POST' && r.path === '/ok')).toHaveLength(1);
    const { rows } = await appDatabase(app).query(`SELECT status, attempt_count FROM notification_records WHERE title = 'from the api role'`);
    expect(rows).toEqual([{ status: 'sent', attempt_count: 1 }]);
  });
});
