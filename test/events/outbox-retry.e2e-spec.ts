import { randomBytes } from 'node:crypto';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../../src/modules/events/event-bus.service.js';
import { EventsModule } from '../../src/modules/events/events.module.js';
import type { EventEnvelope, OutboxSubscriber, PublishEventInput, RelayTransaction } from '../../src/modules/events/events.types.js';
import { OutboxRelay } from '../../src/modules/events/outbox-relay.service.js';
import { appDatabase, type AppDatabase } from '../support/app-database.js';
import { HttpTarget } from '../support/fake-servers/http-target.js';
import { GrpcTestClient } from '../support/grpc-client.js';
import { graphql } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const MAX_ATTEMPTS = 3;

/** One call of the poison subscriber for a poisoned row: the row as that attempt found it, and the attempt's transaction clock. */
interface PoisonedCall {
  eventId: string;
  /** The event ids handed in with it (the whole batch, or the row alone under its savepoint). */
  batch: string[];
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  /** now() of the relay's transaction: what markFailed adds the backoff to, and markDead stamps. */
  txNow: Date;
}

const isPoisoned = (event: EventEnvelope): boolean => typeof event.data.user_id === 'string' && event.data.user_id.startsWith('poison-');

/** A second outbox subscriber beside the planner: it fails every batch that holds a `poison-` user, and records each such call. */
@Injectable()
class PoisonSubscriber implements OutboxSubscriber, OnModuleInit {
  readonly name = 'poison-probe';
  readonly calls: PoisonedCall[] = [];

  constructor(private readonly relay: OutboxRelay) {}

  onModuleInit(): void {
    this.relay.subscribe(this);
  }

  async handle(events: EventEnvelope[], tx: RelayTransaction): Promise<void> {
    const poisoned = events.filter(isPoisoned).map((e) => e.eventId);
    if (poisoned.length === 0) return;
    const rows = await tx.manager.query<{ event_id: string; attempts: number; next_attempt_at: Date; last_error: string | null; tx_now: Date }[]>(
      `SELECT event_id, attempts, next_attempt_at, last_error, now() AS tx_now FROM outbox_events WHERE event_id = ANY($1) ORDER BY event_id`,
      [poisoned],
    );
    for (const r of rows) {
      this.calls.push({ eventId: r.event_id, batch: events.map((e) => e.eventId), attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error, txNow: r.tx_now });
    }
    throw new Error(`poison-probe refused ${poisoned.join(', ')}`);
  }
}

@Module({ imports: [EventsModule], providers: [PoisonSubscriber] })
class PoisonModule {}

const userCreated = (eventId: string, userId: string): PublishEventInput => ({
  eventId,
  eventType: 'user.created',
  data: { user_id: userId, email: `${userId}@example.test`, full_name: 'Retry Test' },
});

/**
 * The outbox's retry and dead-letter path (docs/delivery.md, "Outbox"), on the real app and
 * database: a subscriber that always fails one row makes the relay retry that row alone, with the
 * backoff (1 s, then 2 s) added to the failed attempt's transaction time, until it is `dead` after
 * OUTBOX_MAX_ATTEMPTS, while the other rows of its batch commit with their notifications planned.
 * Every check reads stored values and orders, never how fast anything ran.
 */
describe('outbox retry and dead letter', () => {
  let app: TestApp;
  let target: HttpTarget;
  let client: GrpcTestClient;
  let db: AppDatabase;
  let bus: EventBus;
  let poison: PoisonSubscriber;

  const outboxRow = async (eventId: string) =>
    (
      await db.query<{ status: string; attempts: number; next_attempt_at: Date; last_error: string | null; processed_at: Date | null }>(
        `SELECT status, attempts, next_attempt_at, last_error, processed_at FROM outbox_events WHERE event_id = $1`,
        [eventId],
      )
    ).rows[0];
  const recordCount = async (eventId: string) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_records WHERE event_id = $1`, [eventId])).rows[0].n;

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.on('POST', '/hook', { status: 204 });
    target.on('GET', '/hook', { status: 200 });
    app = await startTestApp(
      // No health sweep during the test: its plugin.health_changed events would share the relay's batches.
      { PLUGIN_HTTP_ALLOW: target.hostPort, OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS), OUTBOX_POLL_MS: '100', DELIVERY_POLL_MS: '200', HEALTH_CHECK_CRON: '0 0 1 1 *' },
      { imports: [PoisonModule] },
    );
    client = new GrpcTestClient(app.grpcAddress);
    db = appDatabase(app);
    bus = app.running.app.get(EventBus);
    poison = app.running.app.get(PoisonSubscriber);
    const all = await graphql(app.httpUrl, '{ plugins { id pluginType pluginId } }', {}, app.tokens.admin);
    const webhook = (all.body.data.plugins as { id: string; pluginType: string; pluginId: string }[]).find((p) => p.pluginType === 'notifier' && p.pluginId === 'webhook')!;
    const created = await client.call(
      'IntegrationService',
      'CreatePluginInterface',
      { plugin_def_id: webhook.id, display_name: 'Retry webhook', config_json: JSON.stringify({ url: target.url('/hook'), secret: SECRET }) },
      app.tokens.admin,
    );
    if (created.error) throw new Error(created.error.message);
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
    await target?.close();
  });

  it('retries a row whose subscriber fails with backoff, marks it dead after OUTBOX_MAX_ATTEMPTS, and commits the rest of its batch', async () => {
    const good = ['retry-good-1', 'retry-good-2', 'retry-good-3'];
    const bad = 'retry-poison-1';
    // One publishMany: one insert, so the relay claims the four rows in one batch.
    await bus.publishMany([userCreated(good[0], 'u-good-1'), userCreated(bad, 'poison-1'), userCreated(good[1], 'u-good-2'), userCreated(good[2], 'u-good-3')]);

    // Until the poisoned row leaves `pending` or has used its attempts: it must end dead (not processed, its event lost).
    const dead = await waitFor(async () => {
      const row = await outboxRow(bad);
      return row && (row.status !== 'pending' || row.attempts >= MAX_ATTEMPTS) && row;
    }, 30_000);
    expect(dead.status).toBe('dead');

    // The other rows of the batch committed, with their notifications planned; the poisoned one planned nothing.
    for (const eventId of good) {
      expect(await outboxRow(eventId)).toMatchObject({ status: 'processed', attempts: 0, last_error: null });
      expect(await recordCount(eventId)).toBe(1);
    }
    expect(await recordCount(bad)).toBe(0);

    // Each attempt: the batch tried whole, then the row alone under its savepoint. The first batch
    // held all four rows; the good ones committed then and were never handed in again.
    const calls = poison.calls.filter((c) => c.eventId === bad);
    expect(calls.map((c) => c.attempts)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(calls[0].batch).toEqual(expect.arrayContaining([...good, bad]));
    for (const c of calls.filter((_, i) => i % 2 === 1)) expect(c.batch).toEqual([bad]);
    for (const c of calls.slice(1)) expect(c.batch.filter((id) => good.includes(id))).toEqual([]);

    // Attempt k (1-based) ran in the transaction of the last call that found attempts = k - 1.
    const attemptAt = (k: number): Date => calls.filter((c) => c.attempts === k - 1).at(-1)!.txNow;
    const foundAfter = (k: number): PoisonedCall => calls.find((c) => c.attempts === k)!;
    const reason = `planning failed: poison-probe refused ${bad}`;
    for (const [k, backoffMs] of [
      [1, 1_000],
      [2, 2_000],
    ] as const) {
      const after = foundAfter(k);
      // Failed attempt k pushed the row out by its backoff from that attempt's transaction time, with the failure named.
      expect(after.nextAttemptAt.getTime() - attemptAt(k).getTime()).toBe(backoffMs);
      expect(after.lastError).toBe(reason);
      // …and the row was not tried again before it was due.
      expect(after.txNow.getTime()).toBeGreaterThanOrEqual(after.nextAttemptAt.getTime());
    }

    // The last allowed attempt made it dead, in that attempt's transaction, the reason kept.
    expect(dead.attempts).toBe(MAX_ATTEMPTS);
    expect(dead.last_error).toBe(`${reason} (gave up after ${MAX_ATTEMPTS} attempts)`);
    expect(dead.processed_at!.getTime()).toBe(attemptAt(MAX_ATTEMPTS).getTime());
    expect(dead.next_attempt_at.getTime()).toBe(foundAfter(MAX_ATTEMPTS - 1).nextAttemptAt.getTime());

    // Dead is final: a later event is planned (the relay ran again), and the dead row is not tried again.
    await bus.publish(userCreated('retry-after-dead', 'u-after'));
    await waitFor(async () => (await outboxRow('retry-after-dead'))?.status === 'processed');
    await new Promise((r) => setTimeout(r, 500));
    expect(poison.calls.filter((c) => c.eventId === bad)).toHaveLength(calls.length);
    expect(await outboxRow(bad)).toEqual(dead);
    expect(await recordCount(bad)).toBe(0);
  });
});
