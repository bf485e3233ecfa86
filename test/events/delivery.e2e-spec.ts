import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { EventBus } from '../../src/modules/events/event-bus.service.js';
import { OutboxRelay } from '../../src/modules/events/outbox-relay.service.js';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { SmtpSink } from '../support/fake-servers/smtp-sink.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ADMIN = 'ops@billing.example';

/**
 * The delivery engine end to end, on the real app: an event goes into the outbox, the relay plans
 * records for every enabled notifier that supports it, the dispatcher sends them through the
 * built-in webhook and email plugins to a local HTTP target and a local SMTP server, and the
 * records end `sent` with their attempts stored.
 */
describe('events → notifications (webhook + email)', () => {
  let app: TestApp;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let smtp: SmtpSink;
  let db: AppDatabase;
  let bus: EventBus;
  const defs: Record<string, string> = {};
  let webhookId: string;
  let emailId: string;

  const createInterface = async (plugin: string, name: string, config: Record<string, unknown>): Promise<string> => {
    const result = await client.call<{ interface: { id: string } }>(
      'IntegrationService',
      'CreatePluginInterface',
      { plugin_def_id: defs[plugin], display_name: name, config_json: JSON.stringify(config) },
      app.tokens.admin,
    );
    if (result.error) throw new Error(result.error.message);
    return result.response!.interface.id;
  };
  const recordsOf = async (eventId: string) =>
    (
      await db.query<{ id: string; interface_id: string; status: string; channel_type: string; recipient: string | null; attempt_count: number; last_error_code: string | null }>(
        `SELECT id, interface_id, status, channel_type, recipient, attempt_count, last_error_code FROM notification_records WHERE event_id = $1 ORDER BY channel_type, recipient`,
        [eventId],
      )
    ).rows;

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/hook', { status: 204 });
    target.on('GET', '/hook', { status: 405 });
    smtp = await SmtpSink.start();
    app = await startTestApp({
      PLUGIN_HTTP_ALLOW: target.hostPort,
      SMTP_URL: smtp.url(),
      PLUGIN_MAIL_ALLOWED_SENDERS: '@shop.example',
      ADMIN_NOTIFY_EMAIL: ADMIN,
      DELIVERY_RETRY_SCHEDULE: '300ms,300ms',
      DELIVERY_MIN_RETRY_MS: '100',
      DELIVERY_POLL_MS: '200',
      OUTBOX_POLL_MS: '200',
    });
    client = new GrpcTestClient(app.grpcAddress);
    db = appDatabase(app);
    bus = app.running.app.get(EventBus);
    const all = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    for (const p of all.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]) defs[`${p.pluginType}/${p.pluginId}`] = p.id;
    webhookId = await createInterface('notifier/webhook', 'Ops webhook', { url: target.url('/hook'), secret: SECRET });
    emailId = await createInterface('notifier/email', 'Customer mail', { from: 'billing@shop.example' });
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

  it('delivers order_paid to the webhook (signed, verifiable) and by email to the customer and the admin address', async () => {
    const data = { order_id: 'ord-1001', customer_email: 'zoe@example.test', amount: '19.90', currency: 'EUR', customer_name: 'Zoë' };
    const { eventId, duplicate } = await bus.publish({ eventType: 'order_paid', data, source: 'order-service' });
    expect(duplicate).toBe(false);

    const hook = await waitFor(async () => target.requests.find((r) => r.method === 'POST'));
    const verified = new Webhook(SECRET.slice('whsec_'.length)).verify(hook.body, {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    }) as { type: string; data: { event: typeof data; notification_id: string; title: string } };
    expect(verified.type).toBe('order_paid');
    expect(verified.data.event).toMatchObject(data);
    expect(verified.data.title).toBe('Payment received for order ord-1001');

    await waitFor(async () => smtp.messages.length >= 2 && smtp.messages);
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual([ADMIN, 'zoe@example.test']);
    expect(smtp.messages[0].subject).toBe('Payment received for order ord-1001');
    expect(smtp.messages[0].text).toContain('19.90 EUR');

    const records = await waitFor(async () => {
      const rows = await recordsOf(eventId);
      return rows.length === 3 && rows.every((r) => r.status === 'sent') && rows;
    });
    expect(records.map((r) => [r.channel_type, r.recipient])).toEqual([
      ['email', ADMIN],
      ['email', 'zoe@example.test'],
      ['webhook', null],
    ]);
    // The webhook-id is the record id: the same on every retry, so receivers deduplicate.
    expect(records.find((r) => r.channel_type === 'webhook')!.id).toBe(hook.headers['webhook-id']);
    const attempts = await db.query(`SELECT outcome, request_payload::text AS request FROM notification_attempts WHERE record_id = ANY($1::uuid[])`, [records.map((r) => r.id)]);
    expect(attempts.rows).toHaveLength(3);
    expect(attempts.rows.every((a: { outcome: string }) => a.outcome === 'success')).toBe(true);
    for (const a of attempts.rows as { request: string }[]) expect(a.request).not.toContain(SECRET.slice(6));
  });

  it('publishing the same event id again is a no-op that says so, and creates no new records', async () => {
    const input = { eventId: 'evt-replay-1', eventType: 'ticket_replied', data: { ticket_id: 'T-1', subject: 'Disk full', creator_email: 'ann@example.test' } };
    expect(await bus.publish(input)).toEqual({ eventId: 'evt-replay-1', duplicate: false });
    await waitFor(async () => {
      const rows = await recordsOf('evt-replay-1');
      return rows.length === 2 && rows.every((r) => r.status === 'sent');
    });
    expect(await bus.publish(input)).toEqual({ eventId: 'evt-replay-1', duplicate: true });
    await new Promise((r) => setTimeout(r, 500));
    expect(await recordsOf('evt-replay-1')).toHaveLength(2);
    expect(smtp.messages).toHaveLength(1);
  });

  it('retries a failing webhook with backoff until it answers, then marks it sent', async () => {
    let calls = 0;
    target.on('POST', '/flaky', () => (++calls < 3 ? { status: 503 } : { status: 200 }));
    const flakyId = await createInterface('notifier/webhook', 'Flaky webhook', { url: target.url('/flaky'), secret: SECRET, events: ['report.generated'] });
    try {
      const { eventId } = await bus.publish({ eventType: 'report.generated', data: { report_id: 'r-9', email: 'bob@example.test', download_url: 'https://files.example/r-9' } });
      const [record] = await waitFor(async () => {
        // The default interfaces take report.generated too (seed 002's events are system events of the built-ins).
        const rows = (await recordsOf(eventId)).filter((r) => r.interface_id === flakyId);
        return rows.length === 1 && rows[0].status === 'sent' && rows;
      });
      expect(record.attempt_count).toBe(3);
      const attempts = await db.query<{ outcome: string; error_code: string | null }>(`SELECT outcome, error_code FROM notification_attempts WHERE record_id = $1 ORDER BY attempt_no`, [record.id]);
      expect(attempts.rows).toEqual([
        { outcome: 'temporary_fail', error_code: 'provider_5xx' },
        { outcome: 'temporary_fail', error_code: 'provider_5xx' },
        { outcome: 'success', error_code: null },
      ]);
    } finally {
      await client.call('IntegrationService', 'DeletePluginInterface', { interface_id: flakyId }, app.tokens.admin);
    }
  });

  it('a webhook answering 4xx ends dead after one attempt', async () => {
    target.on('POST', '/gone', { status: 400 });
    const badId = await createInterface('notifier/webhook', 'Bad webhook', { url: target.url('/gone'), secret: SECRET, events: ['user.created'] });
    try {
      const { eventId } = await bus.publish({ eventType: 'user.created', data: { user_id: 'u-1', email: 'new@example.test', full_name: 'New User' } });
      const [record] = await waitFor(async () => {
        const rows = (await recordsOf(eventId)).filter((r) => r.interface_id === badId);
        return rows.length === 1 && rows[0].status === 'dead' && rows;
      });
      expect(record).toMatchObject({ attempt_count: 1, last_error_code: 'payload_invalid' });
    } finally {
      await client.call('IntegrationService', 'DeletePluginInterface', { interface_id: badId }, app.tokens.admin);
    }
  });

  it('plans nothing for a disabled interface', async () => {
    target.on('POST', '/off', { status: 200 });
    const id = await createInterface('notifier/webhook', 'Disabled webhook', { url: target.url('/off'), secret: SECRET, events: ['order_cancelled'] });
    const toggle = await client.call('IntegrationService', 'TogglePluginInterface', { interface_id: id, enable: false }, app.tokens.admin);
    expect(toggle.error).toBeUndefined();
    const { eventId } = await bus.publish({ eventType: 'order_cancelled', data: { order_id: 'o-2', customer_email: 'c@example.test' } });
    await waitFor(async () => (await recordsOf(eventId)).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect((await recordsOf(eventId)).filter((r) => r.interface_id === id)).toEqual([]);
    expect(target.requests.filter((r) => r.path === '/off' && r.method === 'POST')).toEqual([]);
    await client.call('IntegrationService', 'DeletePluginInterface', { interface_id: id }, app.tokens.admin);
  });

  it('ends the queued records of an interface disabled before they were sent as skipped, with the reason', async () => {
    // A target that holds the first send long enough to disable the interface while the rest wait their turn.
    target.on('POST', '/held', { status: 200, delayMs: 1_500 });
    const id2 = await createInterface('notifier/webhook', 'Held webhook 2', { url: target.url('/held'), secret: SECRET, events: ['user.created'] });
    const events = await Promise.all(
      Array.from({ length: 40 }, (_, i) => bus.publish({ eventType: 'user.created', data: { user_id: `u-h${i}`, email: `h${i}@example.test`, full_name: 'Held' } })),
    );
    await waitFor(async () => (await db.query(`SELECT 1 FROM notification_records WHERE interface_id = $1 AND status = 'sending'`, [id2])).rows.length > 0);
    await client.call('IntegrationService', 'TogglePluginInterface', { interface_id: id2, enable: false }, app.tokens.admin);
    const rows = await waitFor(async () => {
      const { rows } = await db.query<{ status: string; last_error_code: string | null; last_error_message: string | null }>(
        `SELECT status, last_error_code, last_error_message FROM notification_records WHERE interface_id = $1`,
        [id2],
      );
      return rows.length === events.length && rows.every((r) => r.status === 'sent' || r.status === 'skipped') && rows;
    }, 15_000);
    const skipped = rows.filter((r) => r.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]).toEqual({ status: 'skipped', last_error_code: 'interface_disabled', last_error_message: 'notifier interface "Held webhook 2" is disabled' });
    await client.call('IntegrationService', 'DeletePluginInterface', { interface_id: id2 }, app.tokens.admin);
  });

  it('marks a stored event of an unknown version dead with the reason, and goes on with the next', async () => {
    await db.query(
      `INSERT INTO outbox_events (id, event_id, event_type, event_version, occurred_at, data) VALUES ('0192a123-0000-7000-8000-00000000dead', 'evt-v9', 'order_paid', '9', now(), '{}')`,
    );
    const after = await bus.publish({ eventType: 'ticket_assigned', data: { ticket_id: 'T-2', subject: 'VPN', new_assignee_email: 'kim@example.test', old_assignee_email: 'lee@example.test' } });
    const row = await waitFor(async () => {
      const { rows } = await db.query<{ status: string; last_error: string }>(`SELECT status, last_error FROM outbox_events WHERE event_id = 'evt-v9'`);
      return rows[0]?.status === 'dead' && rows[0];
    });
    expect(row.last_error).toBe('order_paid has no version "9"');
    const records = await waitFor(async () => {
      const rows = await recordsOf(after.eventId);
      return rows.filter((r) => r.status === 'sent').length === 3 && rows;
    });
    expect(records.filter((r) => r.channel_type === 'email').map((r) => r.recipient)).toEqual(['kim@example.test', 'lee@example.test']);
  });

  it('announces a health change as plugin.health_changed to a notifier that subscribes to it', async () => {
    target.on('POST', '/ops', { status: 200 });
    target.on('GET', '/down', { status: 503 });
    const opsId = await createInterface('notifier/webhook', 'Ops health', { url: target.url('/ops'), secret: SECRET, events: ['plugin.health_changed'] });
    const watchedId = await createInterface('notifier/webhook', 'Watched', { url: target.url('/down'), secret: SECRET, events: ['user.created'] });
    const hook = await waitFor(async () =>
      target.requests.find((r) => r.path === '/ops' && (r.json as { data?: { event?: { interface_id?: string } } })?.data?.event?.interface_id === watchedId),
    );
    const body = hook.json as { type: string; data: { event: Record<string, unknown>; title: string } };
    expect(body.type).toBe('plugin.health_changed');
    expect(body.data.event).toMatchObject({ interface_id: watchedId, plugin_type: 'notifier', plugin_id: 'webhook', is_healthy: false, error: 'endpoint answered HTTP 503' });
    expect(body.data.title).toBe('Plugin interface notifier/webhook is unhealthy');
    for (const id of [opsId, watchedId]) await client.call('IntegrationService', 'DeletePluginInterface', { interface_id: id }, app.tokens.admin);
  });

  it('prunes processed outbox rows past OUTBOX_RETENTION_DAYS and keeps dead ones', async () => {
    await db.query(
      `INSERT INTO outbox_events (id, event_id, event_type, event_version, occurred_at, data, status, processed_at)
       VALUES ('0192a123-0000-7000-8000-0000000000a1', 'evt-old-processed', 'order_paid', '1', now(), '{}', 'processed', now() - interval '8 days'),
              ('0192a123-0000-7000-8000-0000000000a2', 'evt-old-dead', 'order_paid', '9', now(), '{}', 'dead', now() - interval '30 days'),
              ('0192a123-0000-7000-8000-0000000000a3', 'evt-new-processed', 'order_paid', '1', now(), '{}', 'processed', now() - interval '6 days')`,
    );
    expect(await app.running.app.get(OutboxRelay).prune()).toBe(1);
    const { rows } = await db.query<{ event_id: string }>(`SELECT event_id FROM outbox_events WHERE event_id IN ('evt-old-processed', 'evt-old-dead', 'evt-new-processed') ORDER BY event_id`);
    expect(rows.map((r) => r.event_id)).toEqual(['evt-new-processed', 'evt-old-dead']);
  });

  it('leaves the interfaces created above in place (the history of deleted ones stays readable)', async () => {
    expect(webhookId).toBeTruthy();
    expect(emailId).toBeTruthy();
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_records WHERE channel_name IN ('Flaky webhook', 'Bad webhook')`);
    expect(rows[0].n).toBe(2);
  });
});
