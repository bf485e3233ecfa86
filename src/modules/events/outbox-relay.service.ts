import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { PgListener } from '../../common/database/pg-listener.js';
import { bulkReserve, EMPTY_TALLY, tallyAfter, type LaneTally } from '../../common/fair-lanes.js';
import { OnInProcessEvent } from '../../common/in-process-events.js';
import { newTraceId, runWithContext } from '../../common/logging/request-context.js';
import { doublingSchedule, retryDelay, type RetryPolicy } from '../../common/retry-policy.js';
import { APP_CONFIG, LOGGER } from '../../common/tokens.js';
import { WorkerLoop, type BackgroundLoop } from '../../common/worker/worker-loop.js';
import type { AppConfig } from '../../config/app-config.js';
import { EventValidator } from './event-validator.js';
import { OUTBOX_NOTIFY_CHANNEL } from './events.events.js';
import type { EventEnvelope, OutboxSubscriber, RelayTransaction } from './events.types.js';
import { OutboxRepository, type OutboxRow } from './outbox.repository.js';

const PRUNE_EVERY_MS = 60 * 60_000;
/**
 * A row whose planning failed waits 1 s, 2 s, 4 s … at most 5 min (the shared retry policy, no
 * jitter: the relay takes its due rows in batches, so a burst coming back together costs nothing).
 */
const OUTBOX_RETRY: RetryPolicy = { scheduleMs: doublingSchedule(1_000, 5 * 60_000), minMs: 0, jitter: 'none' };

/**
 * The outbox relay (worker role): claims due pending rows with FOR UPDATE SKIP LOCKED (so any
 * number of replicas share the work and no row is planned by two), hands them to the subscribers
 * inside the same transaction, and marks them processed in it: what a subscriber wrote and the
 * `processed` mark commit together.
 *
 * A row that cannot be planned as it is — unknown type or version, a payload that fails its
 * schema (seed 004's handler) — is marked `dead` with the reason and never retried. A subscriber
 * that fails (a database error, a bug) fails only its row: the batch is first tried whole, and
 * when that fails, again one row at a time under savepoints; the failing row is retried with
 * backoff (OUTBOX_RETRY: 1 s, 2 s, 4 s … at most 5 min) and marked dead after OUTBOX_MAX_ATTEMPTS.
 *
 * Woken by the in-process `outbox.written`, by NOTIFY from other replicas, and by a poll every
 * OUTBOX_POLL_MS (the safety net, and the only path on the embedded database); none of these
 * does anything until WorkerModule started the relay (worker roles), so a publish in the api
 * role only writes its row.
 */
@Injectable()
@WorkerLoop()
export class OutboxRelay implements BackgroundLoop, OnApplicationShutdown {
  private readonly subscribers: OutboxSubscriber[] = [];
  private draining: Promise<void> | null = null;
  private again = false;
  /** Until start(): a wake does nothing. */
  private stopped = true;
  private pollTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  /** Rows claimed per lane while both had work: bulk's share of planning (fair-lanes.ts). */
  private tally: LaneTally = EMPTY_TALLY;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxRepository,
    private readonly validator: EventValidator,
    private readonly listener: PgListener,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Called by consuming modules at init; every subscriber sees every event, in registration order. */
  subscribe(subscriber: OutboxSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Starts the relay: LISTEN, the poll, the hourly prune and a first drain (WorkerModule, in the worker roles). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.listen(OUTBOX_NOTIFY_CHANNEL, () => this.wake());
    this.pollTimer = setInterval(() => this.wake(), this.config.events.pollMs);
    this.pollTimer.unref();
    this.pruneTimer = setInterval(() => void this.prune().catch(() => undefined), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.draining;
  }

  @OnInProcessEvent('outbox.written')
  onWritten(): void {
    this.wake();
  }

  /** Starts a drain, or asks the running one to look again when it is done. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped) {
        const more = await this.processBatch(false).catch(async (err: unknown) => {
          this.logger.warn({ err: (err as Error).message }, 'outbox batch failed whole; retrying it one event at a time');
          return this.processBatch(true);
        });
        if (!more) break;
      }
    } catch (err) {
      // The database is away: the poll tries again.
      this.logger.error({ error: (err as Error).message, code: (err as { code?: unknown }).code }, 'outbox relay: cannot reach the database; will retry');
    }
  }

  /**
   * One transaction over up to OUTBOX_BATCH_SIZE rows, high-priority ones first with bulk's share
   * kept (fair-lanes.ts); true when more rows are due.
   */
  private async processBatch(oneByOne: boolean): Promise<boolean> {
    const afterCommit: (() => void)[] = [];
    const { batchSize } = this.config.events;
    const claim = await this.dataSource.transaction(async (manager) => {
      const claim = await this.outbox.claimDue(manager, batchSize, bulkReserve(batchSize, this.tally, this.config.delivery.bulkShare));
      const rows = claim.rows;
      if (rows.length === 0) return claim;
      const tx: RelayTransaction = { manager, afterCommit: (callback) => afterCommit.push(callback) };
      const plannable: { row: OutboxRow; event: EventEnvelope }[] = [];
      for (const row of rows) {
        const reason = this.validator.recheck(row.eventType, row.eventVersion, row.data);
        if (reason) {
          this.logger.warn({ eventId: row.eventId, eventType: row.eventType, reason }, 'outbox event is dead');
          await this.outbox.markDead(manager, row.id, reason);
        } else {
          plannable.push({ row, event: toEnvelope(row) });
        }
      }
      if (!oneByOne) {
        await this.deliver(plannable.map((p) => p.event), tx);
        await this.outbox.markProcessed(manager, plannable.map((p) => p.row.id));
        return claim;
      }
      for (const { row, event } of plannable) {
        await manager.query('SAVEPOINT outbox_event');
        try {
          await this.deliver([event], tx);
          await manager.query('RELEASE SAVEPOINT outbox_event');
          await this.outbox.markProcessed(manager, [row.id]);
        } catch (err) {
          await manager.query('ROLLBACK TO SAVEPOINT outbox_event');
          await this.failed(manager, row, err as Error);
        }
      }
      return claim;
    });
    // Counted once committed: a batch that failed whole is claimed again, and counted then.
    this.tally = tallyAfter(this.tally, claim.taken, claim.state);
    for (const callback of afterCommit) callback();
    return claim.more;
  }

  private async deliver(events: EventEnvelope[], tx: RelayTransaction): Promise<void> {
    if (events.length === 0) return;
    for (const subscriber of this.subscribers) await subscriber.handle(events, tx);
  }

  private async failed(manager: RelayTransaction['manager'], row: OutboxRow, err: Error): Promise<void> {
    const attempts = row.attempts + 1;
    const reason = `planning failed: ${err.message}`.slice(0, 2_000);
    runWithContext({ traceId: row.traceId ?? newTraceId(), transport: 'internal', operation: `plan ${row.eventType}`, startedAt: Date.now() }, () =>
      this.logger.error({ error: err.message, code: (err as { code?: unknown }).code, eventId: row.eventId, eventType: row.eventType, attempts }, 'outbox event could not be planned'),
    );
    if (attempts >= this.config.events.maxAttempts) {
      await this.outbox.markDead(manager, row.id, `${reason} (gave up after ${attempts} attempts)`, attempts);
    } else {
      await this.outbox.markFailed(manager, row.id, attempts, retryDelay(attempts, OUTBOX_RETRY, Math.random), reason);
    }
  }

  /** Deletes processed rows older than OUTBOX_RETENTION_DAYS (hourly on workers); dead rows stay. Returns how many went. */
  async prune(): Promise<number> {
    try {
      const removed = await this.outbox.pruneProcessed(this.config.events.retentionDays);
      if (removed > 0) this.logger.info({ removed }, 'pruned processed outbox events');
      return removed;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'outbox prune failed; will try again');
      throw err;
    }
  }
}

function toEnvelope(row: OutboxRow): EventEnvelope {
  return {
    eventId: row.eventId,
    eventType: row.eventType,
    eventVersion: row.eventVersion,
    occurredAt: row.occurredAt,
    source: row.source,
    data: row.data as Record<string, unknown>,
    traceId: row.traceId,
    deliverAt: row.deliverAt,
    priority: row.priority,
  };
}
