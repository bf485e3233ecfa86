import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/common/secrets/secret-box.js';
import { EventBus } from '../../src/modules/events/event-bus.service.js';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { describeGraphqlAuthMatrix, describeHttpAuthMatrix } from '../support/auth-matrix.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { SmtpSink } from '../support/fake-servers/smtp-sink.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql, http } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const FEISHU_OK = { body: { code: 0, msg: 'success', data: {} } };

/**
 * Recipient notification settings end to end: saved over REST and GraphQL with their
 * access rules, honoured by the planner for the next events — a muted event on a channel becomes
 * a `skipped` record (recipient_opted_out) in the delivery log, a personal Feishu or webhook
 * target receives that recipient's notification instead of the channel's default.
 */
describe('recipient notification settings', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let smtp: SmtpSink;
  let db: AppDatabase;
  let bus: EventBus;
  let ann: string;
  let bob: string;

  const createInterface = async (plugin: string, name: string, config: Record<string, unknown>): Promise<string> => {
    const plugins = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const def = (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => `${p.pluginType}/${p.pluginId}` === plugin)!;
    const result = await client.call<{ interface: { id: string } }>(
      'IntegrationService',
      'CreatePluginInterface',
      { plugin_def_id: def.id, display_name: name, config_json: JSON.stringify(config) },
      app.tokens.admin,
    );
    if (result.error) throw new Error(result.error.message);
    return result.response!.interface.id;
  };
  /** The records of an event, their own target opened (it is stored sealed). */
  const recordsOf = async (eventId: string) =>
    (
      await db.query<{ id: string; status: string; channel_type: string; recipient: string | null; target: string | null; last_error_code: string | null; recipients: unknown[] }>(
        `SELECT id, status, channel_type, recipient, target, last_error_code, recipients FROM notification_records WHERE event_id = $1 ORDER BY channel_type, recipient NULLS FIRST`,
        [eventId],
      )
    ).rows.map((r) => ({ ...r, target: app.running.app.get(SecretBox).openNullable(r.target) }));
  const settled = (eventId: string, n: number) =>
    waitFor(async () => {
      const rows = await recordsOf(eventId);
      return rows.length === n && rows.every((r) => r.status === 'sent' || r.status === 'skipped') && rows;
    });
  /** Messages posted to a path (not the notifiers' health probes, which post an empty or message-less body). */
  const posts = (path: string) =>
    target.requests.filter((r) => r.method === 'POST' && r.path === path && r.json !== null && typeof r.json === 'object' && ('msg_type' in r.json || 'type' in r.json));
  const put = (token: string, path: string, body: unknown) => http(app.httpUrl, 'PUT', path, { token, body });

  beforeAll(async () => {
    target = await HttpTarget.start();
    for (const path of ['/group', '/personal', '/open-apis/bot/v2/hook/bob']) target.on('POST', path, FEISHU_OK);
    for (const path of ['/hook', '/my-hook']) target.on('POST', path, { status: 204 });
    target.on('GET', '/hook', { status: 405 });
    smtp = await SmtpSink.start();
    app = await startTestApp({ PLUGIN_HTTP_ALLOW: target.hostPort, PERSONAL_TARGET_ALLOW: target.hostPort, SMTP_URL: smtp.url(), PLUGIN_MAIL_ALLOWED_SENDERS: '@shop.example', DELIVERY_POLL_MS: '200', OUTBOX_POLL_MS: '200' });
    client = new GrpcTestClient(app.grpcAddress);
    db = appDatabase(app);
    bus = app.running.app.get(EventBus);
    ann = await app.tokens.sign({ sub: 'u-ann', role: 'user' });
    bob = await app.tokens.sign({ sub: 'u-bob', role: 'user' });
    await createInterface('notifier/feishu', 'Support group', { webhook_url: target.url('/group'), events: ['ticket_replied', 'user.created'] });
    await createInterface('notifier/webhook', 'Ops webhook', { url: target.url('/hook'), secret: SECRET, events: ['ticket_replied', 'user.created'] });
    await createInterface('notifier/email', 'Mail', { from: 'no-reply@shop.example', events: ['password.reset_requested', 'report.generated'] });
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
    await smtp?.close();
  });
  beforeEach(() => {
    target.requests.length = 0;
    smtp.reset();
  });

  it('a user mutes ticket_replied by chat and sets a personal Feishu webhook: the next events go where the settings say, the muted one is a visible skipped record', async () => {
    const saved = await put(ann, '/me/notification-settings', {
      channels: [{ channel: 'chat', target: target.url('/personal') }],
      muted_events: [{ event_type: 'ticket_replied', channels: ['chat'] }],
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({
      user: 'u-ann',
      address: null,
      // The URL is answered masked (its path is the bot's token), as plugin secrets are.
      channels: [{ channel: 'chat', enabled: true, target: `${new URL(target.url('/personal')).origin}/********` }],
      muted_events: [{ event_type: 'ticket_replied', channels: ['chat'] }],
    });
    expect(JSON.stringify(saved.body)).not.toContain('/personal');
    expect((await http(app.httpUrl, 'GET', '/me/notification-settings', { token: ann })).body.data).toEqual(saved.body.data);
    // Sending back what was read keeps the stored URL.
    const { channels, muted_events } = saved.body.data;
    expect((await put(ann, '/me/notification-settings', { channels, muted_events })).status).toBe(200);
    const [stored] = (await db.query<{ channels: { target: string }[] }>('SELECT channels FROM notification_settings WHERE subject = $1', ['u-ann'])).rows[0].channels;
    expect(stored).toEqual({ channel: 'chat', enabled: true, target: expect.stringMatching(/^enc:v1:/), secret: null });
    expect(app.running.app.get(SecretBox).open(stored.target)).toBe(target.url('/personal'));

    const replied = await bus.publish({ eventType: 'ticket_replied', data: { ticket_id: 'T-1', subject: 'Disk full', creator_email: 'ann@example.test', creator_user_id: 'u-ann' } });
    const rows = await settled(replied.eventId, 2);
    expect(rows.map((r) => [r.channel_type, r.status, r.recipient, r.last_error_code])).toEqual([
      ['chat', 'skipped', 'u-ann', 'recipient_opted_out'],
      ['webhook', 'sent', null, null],
    ]);
    expect(posts('/hook')).toHaveLength(1);
    expect(posts('/group')).toHaveLength(0);
    expect(posts('/personal')).toHaveLength(0);

    // The skipped record is in the delivery log, with its reason.
    const log = await graphql(
      app.httpUrl,
      `query($f: NotificationRecordFilter) { notificationRecords(filter: $f) { records { status channelType recipient lastErrorCode lastErrorMessage } } }`,
      { f: { eventId: replied.eventId, statuses: ['skipped'] } },
      app.tokens.admin,
    );
    expect(log.body.data.notificationRecords.records).toEqual([
      { status: 'skipped', channelType: 'chat', recipient: 'u-ann', lastErrorCode: 'recipient_opted_out', lastErrorMessage: 'the recipient muted ticket_replied by chat' },
    ]);

    // Another event by chat, not muted: to the personal Feishu webhook instead of the group.
    const created = await bus.publish({ eventType: 'user.created', data: { user_id: 'u-ann', email: 'ann@example.test', full_name: 'Ann' } });
    const createdRows = await settled(created.eventId, 2);
    expect(createdRows.map((r) => [r.channel_type, r.status, r.recipient, r.target])).toEqual([
      ['chat', 'sent', 'u-ann', target.url('/personal')],
      ['webhook', 'sent', null, null],
    ]);
    expect(posts('/personal')).toHaveLength(1);
    expect(JSON.stringify(posts('/personal')[0].json)).toContain('Welcome!');
    expect(posts('/group')).toHaveLength(0);
    // The attempt log keeps the personal URL's origin only.
    const attempt = await db.query<{ request: string }>(`SELECT request_payload::text AS request FROM notification_attempts WHERE record_id = $1`, [createdRows[0].id]);
    expect(attempt.rows[0].request).not.toContain('/personal');
  });

  it('a personal webhook target takes that recipient out of the default record; the others keep the default', async () => {
    expect((await put(bob, '/me/notification-settings', { channels: [{ channel: 'webhook', target: target.url('/my-hook') }] })).status).toBe(200);
    const replied = await bus.publish({ eventType: 'ticket_replied', data: { ticket_id: 'T-2', subject: 'Slow disk', creator_email: 'bob@example.test', creator_user_id: 'u-bob' } });
    const rows = await settled(replied.eventId, 2);
    expect(rows.map((r) => [r.channel_type, r.status, r.recipient, r.target])).toEqual([
      ['chat', 'sent', null, null],
      ['webhook', 'sent', 'u-bob', target.url('/my-hook')],
    ]);
    expect(posts('/my-hook')).toHaveLength(1);
    expect((posts('/my-hook')[0].json as { data: { recipients: unknown[] } }).data.recipients).toEqual([{ role: 'ticket_creator', email: 'bob@example.test', userId: 'u-bob' }]);
    expect(posts('/hook')).toHaveLength(0);
    expect(posts('/group')).toHaveLength(1);
  });

  it('settings by address apply to recipients known only by address; a change applies to records planned after it', async () => {
    const saved = await graphql(
      app.httpUrl,
      `mutation($a: String, $i: UpdateNotificationSettingsInput!) { updateNotificationSettings(address: $a, input: $i) { address channels { channel enabled } } }`,
      { a: 'Carol@Example.test', i: { channels: [{ channel: 'webhook', enabled: false }] } },
      app.tokens.admin,
    );
    expect(saved.body.data.updateNotificationSettings).toEqual({ address: 'carol@example.test', channels: [{ channel: 'webhook', enabled: false }] });
    const first = await bus.publish({ eventType: 'ticket_replied', data: { ticket_id: 'T-3', subject: 'Hello', creator_email: 'carol@example.test' } });
    expect((await settled(first.eventId, 2)).map((r) => [r.channel_type, r.status, r.last_error_code])).toEqual([
      ['chat', 'sent', null],
      ['webhook', 'skipped', 'recipient_opted_out'],
    ]);

    await graphql(app.httpUrl, `mutation($a: String) { updateNotificationSettings(address: $a, input: {}) { address } }`, { a: 'carol@example.test' }, app.tokens.admin);
    const second = await bus.publish({ eventType: 'ticket_replied', data: { ticket_id: 'T-4', subject: 'Hello again', creator_email: 'carol@example.test' } });
    expect((await settled(second.eventId, 2)).map((r) => [r.channel_type, r.status])).toEqual([
      ['chat', 'sent'],
      ['webhook', 'sent'],
    ]);
  });

  it('on email: an own address replaces the event\'s; email off opts out, except for a password reset, which cannot be muted', async () => {
    const erin = await app.tokens.sign({ sub: 'u-erin', role: 'user' });
    expect((await put(erin, '/me/notification-settings', { channels: [{ channel: 'email', enabled: false, target: 'erin@private.test' }] })).status).toBe(200);
    const reset = await bus.publish({ eventType: 'password.reset_requested', data: { code: '123456', email: 'erin@work.test', user_id: 'u-erin' } });
    expect((await settled(reset.eventId, 1)).map((r) => [r.status, r.recipient])).toEqual([['sent', 'erin@private.test']]);
    await waitFor(async () => smtp.messages.length === 1);
    expect(smtp.messages[0].to).toEqual(['erin@private.test']);
    // Settings by address: the report goes to an address whose owner switched email off.
    await graphql(app.httpUrl, `mutation { updateNotificationSettings(address: "erin@work.test", input: { channels: [{ channel: "email", enabled: false }] }) { address } }`, {}, app.tokens.admin);
    const report = await bus.publish({ eventType: 'report.generated', data: { report_id: 'R-1', email: 'erin@work.test', download_url: 'https://reports.example/R-1' } });
    expect((await settled(report.eventId, 1)).map((r) => [r.status, r.recipient, r.last_error_code])).toEqual([['skipped', 'erin@work.test', 'recipient_opted_out']]);
  });

  it('a user cannot read or change another user\'s settings (403); an admin can', async () => {
    expect((await http(app.httpUrl, 'GET', '/users/u-ann/notification-settings', { token: bob })).status).toBe(403);
    const denied = await put(bob, '/users/u-ann/notification-settings', { channels: [] });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('auth.permission_denied');
    const gql = await graphql(app.httpUrl, `{ notificationSettings(user: "u-ann") { user } }`, {}, bob);
    expect(gql.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const mine = await graphql(app.httpUrl, `{ mySettings { user channels { channel target } } }`, {}, bob);
    expect(mine.body.data.mySettings).toEqual({ user: 'u-bob', channels: [{ channel: 'webhook', target: `${new URL(target.url('/my-hook')).origin}/********` }] });

    const read = await http(app.httpUrl, 'GET', '/users/u-ann/notification-settings', { token: app.tokens.admin });
    expect(read.status).toBe(200);
    expect(read.body.data.muted_events).toEqual([{ event_type: 'ticket_replied', channels: ['chat'] }]);
    const changed = await put(app.tokens.admin, '/users/u-dan/notification-settings', { muted_events: [{ event_type: 'user.created' }] });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ user: 'u-dan', muted_events: [{ event_type: 'user.created', channels: [] }] });
    const viaGraphql = await graphql(app.httpUrl, `{ notificationSettings(user: "u-dan") { user mutedEvents { eventType channels } } }`, {}, app.tokens.admin);
    expect(viaGraphql.body.data.notificationSettings).toEqual({ user: 'u-dan', mutedEvents: [{ eventType: 'user.created', channels: [] }] });
    // Never saved: the defaults.
    expect((await http(app.httpUrl, 'GET', '/users/nobody/notification-settings', { token: app.tokens.admin })).body.data).toEqual({
      user: 'nobody',
      address: null,
      channels: [],
      muted_events: [],
      updated_at: null,
    });
  });

  it('validates the same way on both transports: private targets, unknown channels and events, transactional events that cannot be muted', async () => {
    const privateUrl = await put(ann, '/me/notification-settings', { channels: [{ channel: 'chat', target: 'http://10.1.2.3/hook' }] });
    expect(privateUrl.status).toBe(422);
    expect(privateUrl.body.error.code).toBe('common.validation_failed');
    // A user is told only that it is not allowed (an admin is told why: personal-targets.e2e-spec.ts).
    expect(privateUrl.body.error.details.violations).toEqual([{ field: 'channels[0].target', message: 'is not an allowed address' }]);
    const loopback = await graphql(app.httpUrl, `mutation { updateMySettings(input: { channels: [{ channel: "webhook", target: "http://127.0.0.1:9/x" }] }) { user } }`, {}, ann);
    expect(loopback.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed' });

    const bad = await put(ann, '/me/notification-settings', {
      channels: [{ channel: 'fax' }, { channel: 'email', target: 'not-an-address' }, { channel: 'push', target: 'x' }],
      muted_events: [{ event_type: 'nope' }],
    });
    expect(bad.status).toBe(422);
    // REST's command schema names what it can see from the shape (an unknown channel or event type) ...
    expect(bad.body.error.details.violations.map((v: { field: string }) => v.field)).toEqual(['channels[0].channel', 'muted_events[0].event_type']);
    // ... and the service what depends on the channel (a target that is not an address, push with a target).
    const targets = await put(ann, '/me/notification-settings', { channels: [{ channel: 'email', target: 'not-an-address' }, { channel: 'push', target: 'x' }] });
    expect(targets.body.error.details.violations.map((v: { field: string }) => v.field)).toEqual(['channels[0].target', 'channels[1].target']);
    expect((await put(ann, '/me/notification-settings', { channel: [] })).body.error.details.violations).toEqual([{ field: 'channel', message: 'is not allowed' }]);
    expect((await put(ann, '/me/notification-settings', { channels: [{ channel: 'chat', enabled: null }] })).body.error.details.violations).toEqual([{ field: 'channels[0].enabled', message: 'must be boolean' }]);

    for (const eventType of ['password.reset_requested', 'order_paid']) {
      const mute = await put(ann, '/me/notification-settings', { muted_events: [{ event_type: 'ticket_replied' }, { event_type: eventType, channels: ['email'] }] });
      expect(mute.status).toBe(422);
      expect(mute.body.error).toMatchObject({ code: 'notif.event_not_mutable', details: { field: 'muted_events[1].event_type', event_type: eventType } });
    }
    const viaGraphql = await graphql(app.httpUrl, `mutation { updateMySettings(input: { mutedEvents: [{ eventType: "password.reset_requested" }] }) { user } }`, {}, ann);
    expect(viaGraphql.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'notif.event_not_mutable' });
    // Nothing was saved by the refused calls.
    expect((await http(app.httpUrl, 'GET', '/me/notification-settings', { token: ann })).body.data.muted_events).toEqual([{ event_type: 'ticket_replied', channels: ['chat'] }]);
  });

  it('does no DNS when a target is saved: a host name that does not resolve is accepted, and refused when the notification is delivered', async () => {
    const unresolvable = 'http://no-such-host.invalid/hook';
    const started = Date.now();
    const saved = await put(bob, '/me/notification-settings', { channels: [{ channel: 'webhook', target: unresolvable }] });
    expect(saved.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    // A literal private address is still refused at once (no lookup needed to know).
    expect((await put(bob, '/me/notification-settings', { channels: [{ channel: 'webhook', target: 'http://[::1]/x' }] })).status).toBe(422);
    expect((await put(bob, '/me/notification-settings', { channels: [{ channel: 'webhook', target: 'http://metadata.google.internal/x' }] })).status).toBe(422);

    const replied = await bus.publish({ eventType: 'ticket_replied', data: { ticket_id: 'T-DNS', subject: 'Nowhere', creator_email: 'bob@example.test', creator_user_id: 'u-bob' } });
    const row = await waitFor(async () => (await recordsOf(replied.eventId)).find((r) => r.target === unresolvable && r.last_error_code !== null));
    // Delivery resolved the name, and the host's address guard refused it.
    expect(row).toMatchObject({ channel_type: 'webhook', recipient: 'u-bob', last_error_code: 'network_error' });
    expect(posts('/my-hook')).toHaveLength(0);
    await put(bob, '/me/notification-settings', { channels: [] });
  });

  describe('access', () => {
    describeGraphqlAuthMatrix(
      [
        { name: 'mySettings', access: 'authenticated', query: '{ mySettings { user } }' },
        { name: 'updateMySettings', access: 'authenticated', query: 'mutation { updateMySettings(input: {}) { user } }' },
        { name: 'notificationSettings', access: 'admin', query: '{ notificationSettings(user: "u-x") { user } }' },
        { name: 'updateNotificationSettings', access: 'admin', query: 'mutation { updateNotificationSettings(user: "u-x", input: {}) { user } }' },
      ],
      () => ({ app }),
    );
    describeHttpAuthMatrix(
      [
        { name: 'GET /me/notification-settings', method: 'GET', path: '/me/notification-settings', access: 'authenticated' },
        { name: 'PUT /me/notification-settings', method: 'PUT', path: '/me/notification-settings', access: 'authenticated', body: {} },
        { name: 'GET /users/{id}/notification-settings', method: 'GET', path: '/users/u-x/notification-settings', access: 'admin' },
        { name: 'PUT /users/{id}/notification-settings', method: 'PUT', path: '/users/u-x/notification-settings', access: 'admin', body: {} },
      ],
      () => ({ app }),
    );
  });
});
