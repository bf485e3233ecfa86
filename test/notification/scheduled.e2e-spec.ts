import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describeGraphqlAuthMatrix, describeHttpAuthMatrix } from '../support/auth-matrix.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql, http } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { describeOnServer, freshTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const UUID = '0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e';

/**
 * Scheduled notifications across processes: an api and a worker on one database. An
 * event published with deliver_at is planned at once, waits `queued` with next_attempt_at =
 * deliver_at, and the dispatcher's due scan sends it then — also when the worker that planned it
 * was stopped and another started meanwhile. Cancelling before the time sends nothing; after it
 * was sent, cancelling is a 409.
 */
await describeOnServer('scheduled notifications', () => {
  let database: Awaited<ReturnType<typeof freshTestDatabase>>;
  let api: TestApp;
  let worker: TestApp | null = null;
  let client: GrpcTestClient;
  let target: HttpTarget;
  let db: pg.Client;
  const arrivals: { at: number; id: string }[] = [];
  const workerEnv = { SWITCHBOARD_ROLE: 'worker', DELIVERY_POLL_MS: '200', OUTBOX_POLL_MS: '200' };
  let env: Record<string, string>;

  const recordsOf = async (eventId: string) =>
    (await db.query<{ id: string; status: string; next_attempt_at: Date; attempt_count: number }>(`SELECT id, status, next_attempt_at, attempt_count FROM notification_records WHERE event_id = $1`, [eventId])).rows;
  const publish = async (eventId: string, deliverAt: string) =>
    http(api.httpUrl, 'POST', '/events', {
      token: api.tokens.admin,
      body: { event_type: 'ticket_replied', data: { ticket_id: eventId, subject: 'Later', creator_email: 'ann@example.test' }, metadata: { event_id: eventId, deliver_at: deliverAt } },
    });

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/hook', (request) => {
      arrivals.push({ at: Date.now(), id: String(request.headers['webhook-id']) });
      return { status: 204 };
    });
    target.on('GET', '/hook', { status: 405 });
    env = { PLUGIN_HTTP_ALLOW: target.hostPort };
    database = await freshTestDatabase();
    api = await startTestApp({ ...env, SWITCHBOARD_ROLE: 'api' }, { database });
    worker = await startTestApp({ ...env, ...workerEnv }, { database });
    client = new GrpcTestClient(api.grpcAddress);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const plugins = await graphql(api.httpUrl, '{ plugins { id pluginType pluginId } }', {}, api.tokens.admin);
    const def = (plugins.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => p.pluginType === 'notifier' && p.pluginId === 'webhook')!;
    const created = await client.call('IntegrationService', 'CreatePluginInterface', { plugin_def_id: def.id, display_name: 'Hook', config_json: JSON.stringify({ url: target.url('/hook'), secret: SECRET }) }, api.tokens.admin);
    if (created.error) throw new Error(created.error.message);
  });
  afterAll(async () => {
    client?.close();
    await db?.end();
    await worker?.close();
    await api?.close();
    await database?.drop();
    await target?.close();
  });

  it('a notification scheduled five seconds ahead arrives then, not earlier, across a worker restart while it waits', async () => {
    const deliverAt = new Date(Date.now() + 5_000);
    const accepted = await publish('sched-1', deliverAt.toISOString());
    expect(accepted.status).toBe(202);
    const [record] = await waitFor(async () => {
      const rows = await recordsOf('sched-1');
      return rows.length === 1 && rows;
    });
    expect(record.status).toBe('queued');
    expect(record.next_attempt_at.getTime()).toBe(deliverAt.getTime());

    // The worker that planned it stops; another starts before the time.
    await worker!.close();
    worker = null;
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await recordsOf('sched-1'))[0].status).toBe('queued');
    worker = await startTestApp({ ...env, ...workerEnv }, { database });

    const arrival = await waitFor(async () => arrivals.find((a) => a.id === record.id), 12_000);
    expect(arrival.at).toBeGreaterThanOrEqual(deliverAt.getTime());
    expect(arrival.at).toBeLessThan(deliverAt.getTime() + 3_000);
    await waitFor(async () => (await recordsOf('sched-1'))[0].status === 'sent');

    // Sent: cancelling now is a clear 409, on REST and GraphQL.
    const late = await http(api.httpUrl, 'DELETE', `/notifications/${record.id}`, { token: api.tokens.admin });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'notif.record_not_cancellable', details: { id: record.id, status: 'sent' } });
    const lateGql = await graphql(api.httpUrl, `mutation($id: ID!) { cancelNotification(id: $id) { id } }`, { id: record.id }, api.tokens.admin);
    expect(lateGql.body.errors?.[0].extensions).toMatchObject({ code: 'FAILED_PRECONDITION', errorCode: 'notif.record_not_cancellable' });
  }, 30_000);

  it('cancelling before the time sends nothing: the record ends cancelled (seed status failed); an event\'s record is an admin\'s to cancel', async () => {
    const accepted = await publish('sched-2', new Date(Date.now() + 2_000).toISOString());
    expect(accepted.status).toBe(202);
    const [record] = await waitFor(async () => {
      const rows = await recordsOf('sched-2');
      return rows.length === 1 && rows;
    });
    // Planned from an event, it has no sender: a notif.send_manual caller gets 404 for it.
    const notTheirs = await http(api.httpUrl, 'DELETE', `/notifications/${record.id}`, { token: await api.tokens.withPermissions('notif.send_manual') });
    expect(notTheirs.status).toBe(404);
    const cancelled = await http(api.httpUrl, 'DELETE', `/notifications/${record.id}`, { token: api.tokens.admin });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ notification_id: record.id, status: 'failed', state: 'cancelled', attempts: 0, next_attempt_at: null });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(arrivals.find((a) => a.id === record.id)).toBeUndefined();
    expect((await recordsOf('sched-2'))[0]).toMatchObject({ status: 'cancelled', attempt_count: 0 });
    const status = await http(api.httpUrl, 'GET', `/notifications/${record.id}`, { token: api.tokens.admin });
    expect(status.body.data).toMatchObject({ status: 'failed', state: 'cancelled', last_error: { code: 'cancelled' } });
    // Twice: already cancelled.
    expect((await http(api.httpUrl, 'DELETE', `/notifications/${record.id}`, { token: api.tokens.admin })).body.error.code).toBe('notif.record_not_cancellable');
    // The delivery log lists it by its state.
    const log = await graphql(api.httpUrl, `{ notificationRecords(filter: { statuses: ["cancelled"] }) { records { id status } } }`, {}, api.tokens.admin);
    expect(log.body.data.notificationRecords.records).toEqual([{ id: record.id, status: 'cancelled' }]);
  }, 15_000);

  it('a far-future record waits without being claimed; GraphQL cancels it', async () => {
    const accepted = await publish('sched-3', new Date(Date.now() + 300 * 86_400_000).toISOString());
    expect(accepted.status).toBe(202);
    const [record] = await waitFor(async () => {
      const rows = await recordsOf('sched-3');
      return rows.length === 1 && rows;
    });
    await new Promise((r) => setTimeout(r, 600));
    expect((await recordsOf('sched-3'))[0]).toMatchObject({ status: 'queued', attempt_count: 0 });
    const res = await graphql(api.httpUrl, `mutation($id: ID!) { cancelNotification(id: $id) { id status lastErrorCode } }`, { id: record.id }, api.tokens.admin);
    expect(res.body.data.cancelNotification).toEqual({ id: record.id, status: 'cancelled', lastErrorCode: 'cancelled' });
  });

  it('POST /send with send_at: 202 repeating send_at, delivered no earlier than then', async () => {
    const template = await http(api.httpUrl, 'POST', '/templates', { token: api.tokens.admin, body: { name: 'later_hook', type: 'webhook', content: 'Hello {{name}}' } });
    expect(template.status).toBe(201);
    const sendAt = new Date(Date.now() + 2_000);
    const sent = await http(api.httpUrl, 'POST', '/send', { token: api.tokens.admin, body: { template_id: template.body.data.id, params: { name: 'Ann' }, send_at: sendAt.toISOString() } });
    expect(sent.status).toBe(202);
    expect(sent.body.data).toEqual({ status: 'queued', notification_id: expect.any(String), send_at: sendAt.toISOString() });
    const id = sent.body.data.notification_id as string;
    const queued = await http(api.httpUrl, 'GET', `/notifications/${id}`, { token: api.tokens.admin });
    expect(queued.body.data).toMatchObject({ status: 'queued', state: 'queued', next_attempt_at: sendAt.toISOString() });
    const arrival = await waitFor(async () => arrivals.find((a) => a.id === id), 10_000);
    expect(arrival.at).toBeGreaterThanOrEqual(sendAt.getTime());
  }, 15_000);

  it('a past time or one beyond MAX_SCHEDULE_DAYS is a validation error naming the field, on every transport', async () => {
    const past = await publish('sched-past', new Date(Date.now() - 1_000).toISOString());
    expect(past.status).toBe(422);
    expect(past.body.error.details.violations).toEqual([{ field: 'deliver_at', message: expect.stringContaining('must be in the future') }]);
    const far = await publish('sched-far', new Date(Date.now() + 366 * 86_400_000).toISOString());
    expect(far.body.error.details.violations).toEqual([{ field: 'deliver_at', message: 'must be at most 365 days ahead (MAX_SCHEDULE_DAYS)' }]);
    const grpc = await client.call(
      'EventService',
      'PublishEvent',
      { event_type: 'ticket_replied', data_json: JSON.stringify({ ticket_id: 'x', subject: 's', creator_email: 'a@example.test' }), deliver_at: 'tomorrow' },
      api.tokens.admin,
    );
    expect(grpc.error?.message).toContain('deliver_at');

    for (const [sendAt, message] of [
      [new Date(Date.now() - 60_000).toISOString(), 'must be in the future'],
      [new Date(Date.now() + 400 * 86_400_000).toISOString(), 'at most 365 days ahead'],
      ['soon', 'must match format "date-time"'],
    ]) {
      const send = await http(api.httpUrl, 'POST', '/send', { token: api.tokens.admin, body: { template_id: UUID, send_at: sendAt } });
      expect(send.status).toBe(422);
      expect(send.body.error.details.violations).toEqual([{ field: 'send_at', message: expect.stringContaining(message) }]);
    }
    const gql = await graphql(api.httpUrl, `mutation($i: ScheduleNotificationInput!) { scheduleNotification(input: $i) { notificationId } }`, { i: { templateId: UUID, sendAt: '2020-01-01T00:00:00Z' } }, api.tokens.admin);
    expect(gql.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errorCode: 'common.validation_failed' });
    expect(await recordsOf('sched-past')).toEqual([]);
  });

  it('cancelling a record that does not exist is 404; a bad id 422', async () => {
    expect((await http(api.httpUrl, 'DELETE', `/notifications/${UUID}`, { token: api.tokens.admin })).body.error.code).toBe('notif.record_not_found');
    expect((await http(api.httpUrl, 'DELETE', '/notifications/nope', { token: api.tokens.admin })).status).toBe(422);
  });

  describe('access', () => {
    describeHttpAuthMatrix([{ name: 'DELETE /notifications/{id}', method: 'DELETE', path: `/notifications/${UUID}`, access: { permission: 'notif.send_manual' } }], () => ({ app: api }));
    describeGraphqlAuthMatrix(
      [
        { name: 'cancelNotification', access: { permission: 'notif.send_manual' }, query: `mutation { cancelNotification(id: "${UUID}") { id } }` },
        { name: 'scheduleNotification', access: { permission: 'notif.send_manual' }, query: `mutation { scheduleNotification(input: { templateId: "${UUID}", sendAt: "2020-01-01T00:00:00Z" }) { notificationId } }` },
      ],
      () => ({ app: api }),
    );
  });
});
