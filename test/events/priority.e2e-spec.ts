import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventBus } from '../../src/modules/events/event-bus.service.js';
import type { PublishEventInput } from '../../src/modules/events/events.types.js';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { HttpTarget, type RecordedRequest } from '../support/fake-servers/http-target.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const BULK = 1_500;

const bulk = (n: number, tag: string, deliverAt?: Date): PublishEventInput[] =>
  Array.from({ length: n }, (_, i) => ({
    eventType: 'user.created',
    data: { user_id: `${tag}-${i}`, email: `u${i}@example.test`, full_name: `User ${i}` },
    deliverAt,
  }));
const resets = (n: number, tag: string, deliverAt?: Date): PublishEventInput[] =>
  Array.from({ length: n }, (_, i) => ({ eventType: 'password.reset_requested', data: { code: `${tag}-${i}`, email: `r${i}@example.test` }, deliverAt }));
const typeOf = (r: RecordedRequest) => (r.json as { type?: string } | undefined)?.type;
/** The webhook deliveries the sink received, in order (its health checks are GETs). */
const posts = (target: HttpTarget) => target.requests.filter((r) => r.method === 'POST');

/**
 * Delivery priority (docs/delivery.md, "Priority"): transactional events are claimed ahead of bulk
 * ones by the relay and by the dispatcher, and bulk keeps its share while both wait. Every check
 * compares orders, never times: a password reset published behind 1,500 queued bulk records
 * arrives before all but a few of them (FIFO would put it last), and so on.
 */
describe('delivery priority', () => {
  let app: TestApp;
  let target: HttpTarget;
  let db: AppDatabase;
  let bus: EventBus;

  const publishAll = async (events: PublishEventInput[]) => {
    for (let i = 0; i < events.length; i += 1_000) await bus.publishMany(events.slice(i, i + 1_000));
  };
  const countRecords = async (where: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM notification_records WHERE ${where}`, params)).rows[0].n);
  /** Waits until nothing is left to send, then forgets what the sink saw. */
  const drained = async () => {
    await waitFor(async () => (await countRecords(`status IN ('queued', 'failed', 'sending')`)) === 0, 120_000);
    target.requests.length = 0;
  };

  beforeAll(async () => {
    target = await HttpTarget.start();
    // A few ms per POST and two sends at a time: the queue drains slowly enough to be overtaken.
    target.on('POST', '/hook', { status: 204, delayMs: 3 });
    target.on('GET', '/hook', { status: 405 });
    app = await startTestApp({
      PLUGIN_HTTP_ALLOW: target.hostPort,
      DELIVERY_CONCURRENCY: '2',
      DELIVERY_CHANNEL_CONCURRENCY: '2',
      DELIVERY_POLL_MS: '200',
      OUTBOX_POLL_MS: '200',
      OUTBOX_BATCH_SIZE: '20',
    });
    db = appDatabase(app);
    bus = app.running.app.get(EventBus);
    const client = new GrpcTestClient(app.grpcAddress);
    const all = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const webhook = (all.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => p.pluginId === 'webhook')!;
    const created = await client.call('IntegrationService', 'CreatePluginInterface', { plugin_def_id: webhook.id, display_name: 'Ops webhook', config_json: JSON.stringify({ url: target.url('/hook'), secret: SECRET }) }, app.tokens.admin);
    client.close();
    if (created.error) throw new Error(created.error.message);
  });
  afterAll(async () => {
    await app?.close();
    await target?.close();
  });

  it('delivers a password reset published behind 1,500 queued bulk records before all but a few of them', async () => {
    await publishAll(bulk(BULK, 'queued'));
    await waitFor(async () => (await countRecords(`event_type = 'user.created'`)) === BULK, 60_000);
    const deliveredAtPublish = posts(target).length;
    await bus.publish({ eventType: 'password.reset_requested', data: { code: '314159', email: 'zoe@example.test' } });

    const reset = await waitFor(async () => posts(target).findIndex((r) => typeOf(r) === 'password.reset_requested') + 1, 60_000);
    // Bulk sends that overtook it: the ones in flight when it was planned, and a few more at most.
    // FIFO would deliver it after every bulk record still queued when it was published (~1,400).
    expect(reset - 1 - deliveredAtPublish).toBeLessThan(40);
    expect(await countRecords(`event_type = 'user.created' AND status = 'queued'`)).toBeGreaterThan(BULK - 300);
    const [row] = (await db.query<{ priority: number }>(`SELECT priority FROM notification_records WHERE event_type = 'password.reset_requested'`)).rows;
    expect(row.priority).toBe(1);
    await drained();
  });

  it('plans a transactional event ahead of the bulk events written before it in the outbox', async () => {
    // One transaction: every row gets the same next_attempt_at, and FIFO (then id) would plan the reset last, in the 101st batch.
    await app.running.app.get(DataSource).transaction(async (manager) => {
      await bus.publishMany(bulk(1_000, 'outbox-a'), manager);
      await bus.publishMany(bulk(1_000, 'outbox-b'), manager);
      await bus.publish({ eventType: 'password.reset_requested', data: { code: '271828', email: 'ada@example.test' } }, manager);
    });
    const planned = await waitFor(async () => (await db.query<{ created_at: Date }>(`SELECT created_at FROM notification_records WHERE data->>'code' = '271828'`)).rows[0], 60_000);
    // The relay's first batch (20 rows, 2 of them bulk's share) holds the reset: no bulk record is older.
    expect(await countRecords(`event_type = 'user.created' AND data->>'user_id' LIKE 'outbox-%' AND created_at < $1`, [planned.created_at])).toBe(0);
    await drained();
  });

  it('keeps bulk moving while high work waits too: about a tenth of the slots (DELIVERY_BULK_SHARE_PERCENT)', async () => {
    // Both lanes fall due at the same moment, so the dispatcher always has both to choose from.
    const at = new Date(Date.now() + 4_000);
    await publishAll([...bulk(300, 'fair', at), ...resets(300, 'fair', at)]);
    await waitFor(async () => (await countRecords(`next_attempt_at = $1`, [at])) === 600, 30_000);
    expect(Date.now()).toBeLessThan(at.getTime());

    const first = (await waitFor(async () => posts(target).length >= 200 && posts(target).slice(0, 200), 60_000)).map(typeOf);
    const bulkServed = first.filter((t) => t === 'user.created').length;
    // Strict priority would serve 0 bulk before the 300 resets; FIFO about half.
    expect(bulkServed).toBeGreaterThanOrEqual(15);
    expect(bulkServed).toBeLessThanOrEqual(30);
    await drained();
  });

  it('lets an admin set the priority of an event type; events published afterwards get it', async () => {
    const list = await graphql(app.httpUrl, '{ eventPriorities { eventType priority defaultPriority updatedBy } }', {}, app.tokens.admin);
    const byType = new Map((list.body.data.eventPriorities as { eventType: string; priority: string; defaultPriority: string }[]).map((p) => [p.eventType, p]));
    expect(byType.get('password.reset_requested')).toMatchObject({ priority: 'high', defaultPriority: 'high' });
    expect(byType.get('order_paid')).toMatchObject({ priority: 'high', defaultPriority: 'high' });
    expect(byType.get('user.created')).toMatchObject({ priority: 'normal', defaultPriority: 'normal', updatedBy: null });

    const set = 'mutation($t: String!, $p: String) { setEventPriority(eventType: $t, priority: $p) { eventType priority defaultPriority updatedBy updatedAt } }';
    const raised = await graphql(app.httpUrl, set, { t: 'user.created', p: 'high' }, app.tokens.admin);
    expect(raised.body.data.setEventPriority).toMatchObject({ eventType: 'user.created', priority: 'high', defaultPriority: 'normal', updatedBy: expect.any(String) });
    const { eventId } = await bus.publish({ eventType: 'user.created', data: { user_id: 'vip-1', email: 'vip@example.test', full_name: 'VIP' } });
    const record = await waitFor(async () => (await db.query<{ id: string; priority: number }>(`SELECT id, priority FROM notification_records WHERE event_id = $1`, [eventId])).rows[0]);
    expect(record.priority).toBe(1);
    const log = await graphql(app.httpUrl, 'query($id: ID!) { notificationRecord(id: $id) { priority } }', { id: record.id }, app.tokens.admin);
    expect(log.body.data.notificationRecord.priority).toBe('high');

    const reset = await graphql(app.httpUrl, set, { t: 'user.created', p: null }, app.tokens.admin);
    expect(reset.body.data.setEventPriority).toMatchObject({ priority: 'normal', updatedBy: null, updatedAt: null });
    const again = await bus.publish({ eventType: 'user.created', data: { user_id: 'vip-2', email: 'vip2@example.test', full_name: 'VIP' } });
    expect((await waitFor(async () => (await db.query<{ priority: number }>(`SELECT priority FROM notification_records WHERE event_id = $1`, [again.eventId])).rows[0])).priority).toBe(0);
    await drained();
  });

  it('refuses an unknown type, an unknown priority and a caller who is not admin, with their codes', async () => {
    const set = 'mutation($t: String!, $p: String) { setEventPriority(eventType: $t, priority: $p) { priority } }';
    const unknown = await graphql(app.httpUrl, set, { t: 'order.teleported', p: 'high' }, app.tokens.admin);
    expect(unknown.body.errors?.[0].extensions?.errorCode).toBe('events.unknown_type');
    const urgent = await graphql(app.httpUrl, set, { t: 'user.created', p: 'urgent' }, app.tokens.admin);
    expect(urgent.body.errors?.[0].extensions?.errorCode).toBe('common.validation_failed');
    expect(JSON.stringify(urgent.body.errors?.[0].extensions)).toContain('priority');
    const user = await graphql(app.httpUrl, set, { t: 'user.created', p: 'high' }, app.tokens.user);
    expect(user.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const read = await graphql(app.httpUrl, '{ eventPriorities { eventType } }', {}, app.tokens.user);
    expect(read.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const stored = (await graphql(app.httpUrl, '{ eventPriorities { eventType priority } }', {}, app.tokens.admin)).body.data.eventPriorities as { eventType: string; priority: string }[];
    expect(stored.find((p) => p.eventType === 'user.created')!.priority).toBe('normal');
  });
});
