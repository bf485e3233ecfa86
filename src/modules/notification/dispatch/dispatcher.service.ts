import { hostname } from 'node:os';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../../../common/clock.js';
import { GroupCommit } from '../../../common/database/group-commit.js';
import { PgListener } from '../../../common/database/pg-listener.js';
import { AppError } from '../../../common/errors/app-error.js';
import { EMPTY_TALLY, tallyAfter, type LaneTally } from '../../../common/fair-lanes.js';
import { IdGenerator } from '../../../common/id-generator.js';
import { OnInProcessEvent } from '../../../common/in-process-events.js';
import { newTraceId, runWithContext } from '../../../common/logging/request-context.js';
import { APP_CONFIG, LOGGER } from '../../../common/tokens.js';
import { WorkerLoop, type BackgroundLoop } from '../../../common/worker/worker-loop.js';
import type { AppConfig } from '../../../config/app-config.js';
import type { NotifierBatch, NotifierSendParams } from '../../integration/notifier-directory.service.js';
import { NotifierDirectory } from '../../integration/notifier-directory.service.js';
import type { SendResult } from '../../plugins/plugin-results.js';
import { decideAfterAttempt, failedCallResult, worthClaiming, type RetrySchedule } from './delivery-policy.js';
import { DISPATCH_NOTIFY_CHANNEL } from '../notification.events.js';
import { DeliveryQueue, type FinishedAttempt } from './delivery-queue.repository.js';
import { NotificationRecordRepository } from '../records/notification-record.repository.js';
import type { NotificationRecord } from '../notification.types.js';

/** Most outcomes stored by one statement. */
const FINISH_BATCH = 200;

/** Observers of finished attempts (metrics); called synchronously, must not throw. */
export interface AttemptObserver {
  attemptFinished(record: NotificationRecord, outcome: string, durationMs: number): void;
}

/**
 * The dispatcher (worker role): claims due records (FOR UPDATE SKIP LOCKED, with a lease), calls
 * their notifier's send() in the sandbox and stores the outcome by seed 003's state machine
 * (delivery-policy.ts), one attempt row per try. High-priority records (a password reset) are
 * claimed ahead of bulk ones, bulk keeping DELIVERY_BULK_SHARE_PERCENT of the slots while both
 * wait (fair-lanes.ts). At most DELIVERY_CONCURRENCY sends in flight,
 * and at most DELIVERY_CHANNEL_CONCURRENCY per notifier interface, so one slow endpoint cannot
 * take every slot. Records of a deleted or disabled interface end `skipped` with the reason.
 *
 * Records whose lease expired (their worker crashed or hung) are made due again by every
 * worker's poll; delivery is at-least-once, and every attempt of a record carries its id as the
 * notification_id, so receivers can drop the duplicate a crash may cause.
 *
 * Woken by `notification.records_queued` in-process, NOTIFY from other replicas, a poll every
 * DELIVERY_POLL_MS (which also finds retries that fell due) and a freed slot while there is more
 * work; none of these does anything until WorkerModule started the loop (worker roles).
 * sendNow() works in every role.
 */
@Injectable()
@WorkerLoop()
export class Dispatcher implements BackgroundLoop, OnApplicationShutdown {
  readonly workerId: string;
  private readonly schedule: RetrySchedule;
  /** Every delivery until its outcome is stored (shutdown waits for them). */
  private readonly tasks = new Set<Promise<void>>();
  /** Sends holding a slot: from the claim until the notifier answered (not until the outcome is stored). */
  private sending = 0;
  private readonly perInterface = new Map<string, number>();
  private readonly observers: AttemptObserver[] = [];
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private pollTimer: NodeJS.Timeout | null = null;
  /** Outcomes stored together while a write is in flight (one statement for many attempts). */
  private readonly finishes: GroupCommit<FinishedAttempt, boolean>;
  /** Slots claimed per lane while high and bulk records both waited (fair-lanes.ts). */
  private tally: LaneTally = EMPTY_TALLY;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly records: NotificationRecordRepository,
    private readonly directory: NotifierDirectory,
    private readonly listener: PgListener,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.workerId = `${hostname()}:${process.pid}:${ids.uuid().slice(-8)}`;
    this.schedule = { scheduleMs: config.delivery.retryScheduleMs, minMs: config.delivery.minRetryMs };
    this.finishes = new GroupCommit((attempts) => this.queue.finish(attempts), FINISH_BATCH);
  }

  observe(observer: AttemptObserver): void {
    this.observers.push(observer);
  }

  /** Starts the loop: LISTEN, the poll and a first look (WorkerModule, in the worker roles). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.listen(DISPATCH_NOTIFY_CHANNEL, () => this.wake());
    this.pollTimer = setInterval(() => void this.poll(), this.config.delivery.pollMs);
    this.pollTimer.unref();
    void this.poll();
  }

  /** Stops claiming, then lets the sends in flight finish (bounded by their plugin deadline). */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.pumping;
    await Promise.allSettled([...this.tasks]);
  }

  @OnInProcessEvent('notification.records_queued')
  onQueued(): void {
    this.wake();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    // Its own context: a wake comes from whatever queued records (a GraphQL mutation, a NOTIFY), and
    // the claims and log lines of the loop it starts serve no one call.
    this.pumping = runWithContext({ traceId: newTraceId(), transport: 'internal', operation: 'dispatch due records', startedAt: Date.now() }, () => this.pump())
      .catch((err: unknown) => this.logger.error({ error: (err as Error).message, code: (err as { code?: unknown }).code }, 'dispatcher: cannot claim records; will retry'))
      .finally(() => {
        this.pumping = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async poll(): Promise<void> {
    try {
      const reclaimed = await this.queue.reclaimExpired();
      if (reclaimed > 0) this.logger.warn({ reclaimed }, 'dispatcher: reclaimed records whose worker was lost');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'dispatcher: lease reclaim failed; will retry');
    }
    this.wake();
  }

  private async pump(): Promise<void> {
    const { concurrency, channelConcurrency, leaseMs } = this.config.delivery;
    while (!this.stopped) {
      // Outcomes waiting for their write count against a second budget of the same size, so a slow
      // database holds back claims instead of piling up answered sends in memory.
      const free = Math.min(concurrency - this.sending, 2 * concurrency - this.tasks.size);
      if (!worthClaiming(free, concurrency, this.sending)) return;
      const busy = [...this.perInterface].filter(([, n]) => !worthClaiming(channelConcurrency - n, channelConcurrency, n)).map(([id]) => id);
      const lanes = { tally: this.tally, share: this.config.delivery.bulkShare };
      const claim = await this.queue.claimDue(this.workerId, free, lanes, leaseMs, busy, (id) => channelConcurrency - (this.perInterface.get(id) ?? 0));
      this.tally = tallyAfter(this.tally, claim.taken, claim.state);
      const claimed = claim.records;
      if (claimed.length === 0) return;
      const batch = await this.directory.batch(claimed.map((r) => r.interfaceId));
      for (const record of claimed) void this.startDelivery(record, batch);
      if (claimed.length < free) return;
    }
  }

  /**
   * Delivers exactly these records now, in this process, whatever its role (an immediate send in the
   * api role has no dispatcher loop): claims them like claimDue (same lease and fencing), runs
   * the same deliver() and resolves once each one's first attempt finished, or at the deadline.
   * A record some worker claimed first is watched (polled every ≤ 50 ms) until that worker
   * stored its attempt. Answers each record as stored then (still queued or sending when the
   * deadline passed first); a record that does not exist is left out.
   */
  async sendNow(recordIds: readonly string[], timeoutMs: number): Promise<NotificationRecord[]> {
    const deadline = Date.now() + timeoutMs;
    const claimed = await this.queue.claimIds(this.workerId, recordIds, this.config.delivery.leaseMs);
    if (claimed.length > 0) {
      const batch = await this.directory.batch(claimed.map((r) => r.interfaceId));
      const tasks = claimed.map((record) => this.startDelivery(record, batch));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(tasks), new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(timer);
    }
    const mine = new Set(claimed.map((r) => r.id));
    for (;;) {
      const rows = await this.records.findByIds(recordIds);
      // Another worker's record is done once it left queued/sending with at least one attempt.
      const pending = rows.filter((r) => !mine.has(r.id) && (r.status === 'queued' || r.status === 'sending' || r.attemptCount === 0));
      if (pending.length === 0 || Date.now() >= deadline) return rows;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
  }

  /**
   * Runs one delivery. Its slot (overall and per interface) is held until the notifier answered,
   * not until the outcome is stored: the limits bound what endpoints see, and a group-committed
   * write waiting for its WAL flush should not keep the next send from starting.
   */
  private startDelivery(record: NotificationRecord, batch: NotifierBatch): Promise<void> {
    this.sending += 1;
    this.perInterface.set(record.interfaceId, (this.perInterface.get(record.interfaceId) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.sending -= 1;
      const left = (this.perInterface.get(record.interfaceId) ?? 1) - 1;
      if (left <= 0) this.perInterface.delete(record.interfaceId);
      else this.perInterface.set(record.interfaceId, left);
      this.wake();
    };
    const task = runWithContext({ traceId: record.traceId ?? newTraceId(), transport: 'internal', operation: `send ${record.eventType} via ${record.channelType}`, startedAt: Date.now() }, () =>
      this.deliver(record, batch, release),
    )
      // The message and code only: a failed statement carries its parameters, the attempts' payloads.
      .catch((err: unknown) =>
        this.logger.error(
          { error: (err as Error).message, code: (err as { code?: unknown }).code, recordId: record.id },
          'dispatcher: could not store the outcome of an attempt; its lease will expire and it will be retried',
        ),
      )
      .finally(() => {
        this.tasks.delete(task);
        release();
        this.wake();
      });
    this.tasks.add(task);
    return task;
  }

  private async deliver(record: NotificationRecord, batch: NotifierBatch, release: () => void): Promise<void> {
    const target = batch.target(record.interfaceId);
    if (target.state !== 'ready') {
      const reason =
        target.state === 'missing'
          ? { code: 'interface_deleted', message: `notifier interface ${record.interfaceId} was deleted before this was sent` }
          : target.state === 'disabled'
            ? { code: 'interface_disabled', message: `notifier interface "${record.channelName}" is disabled` }
            : { code: 'interface_not_notifier', message: `interface ${record.interfaceId} is not a notifier` };
      await this.queue.skipClaimed(record.id, this.workerId, record.attemptCount, reason.code, reason.message);
      this.reportAttempt(record, 'skipped', 0);
      return;
    }
    const params: NotifierSendParams & { recipients: unknown[] } = {
      notification_id: record.id,
      event_type: record.eventType,
      title: record.title,
      body: record.body,
      body_format: bodyFormatOf(record),
      recipient: record.recipient,
      recipients: record.recipients,
      data: record.data,
      metadata: record.metadata,
      attempt: record.attemptCount,
      occurred_at: record.occurredAt.toISOString(),
      trace_id: record.traceId,
      ...(record.target ? { target_url: record.target } : {}),
      ...(record.target && record.targetSecret ? { target_secret: record.targetSecret } : {}),
    };
    const startedAt = this.clock.now();
    let result: SendResult;
    try {
      result = await batch.send(record.interfaceId, params);
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'common.internal';
      result = failedCallResult(code, (err as Error).message);
    }
    const finishedAt = this.clock.now();
    release();
    const decision = decideAfterAttempt(result, record.attemptCount, record.maxAttempts, this.schedule, Math.random);
    const owned = await this.finishes.submit({
      recordId: record.id,
      workerId: this.workerId,
      attemptNo: record.attemptCount,
      ...decision,
      attemptId: this.ids.uuid(),
      startedAt,
      finishedAt,
      outcome: result.outcome,
      requestPayload: loggedParams(params),
      responsePayload: result,
    });
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    if (!owned) {
      this.logger.warn({ recordId: record.id, attempt: record.attemptCount }, 'dispatcher: lease was lost before the outcome was stored; another worker took the record over');
      return;
    }
    this.reportAttempt(record, result.outcome, durationMs);
    if (decision.status !== 'sent') {
      this.logger.info(
        { recordId: record.id, eventType: record.eventType, interfaceId: record.interfaceId, attempt: record.attemptCount, status: decision.status, errorCode: decision.errorCode, retryInMs: decision.retryInMs },
        'notification attempt did not deliver',
      );
    }
  }

  /** Tells the attempt observers (DeliveryMetrics) how an attempt ended. */
  private reportAttempt(record: NotificationRecord, outcome: string, durationMs: number): void {
    for (const observer of this.observers) observer.attemptFinished(record, outcome, durationMs);
  }
}

/** Email rendered from a template is HTML (its values were HTML-escaped); everything else is text. */
function bodyFormatOf(record: NotificationRecord): 'html' | 'text' {
  return record.templateId !== null && record.channelType === 'email' ? 'html' : 'text';
}

function redactUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
}

/**
 * What the attempt log keeps of a send's params: a personal webhook URL is a credential (Feishu's
 * carries the bot token), so its origin only; its signing secret not at all.
 */
function loggedParams(params: NotifierSendParams): NotifierSendParams {
  if (!params.target_url) return params;
  const { target_secret: _secret, ...rest } = params;
  return { ...rest, target_url: redactUrl(params.target_url) };
}
