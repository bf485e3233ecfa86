import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import { Clock } from '../../../common/clock.js';
import { MetricsService } from '../../../common/metrics/metrics.service.js';
import { LOGGER } from '../../../common/tokens.js';
import { Dispatcher, type AttemptObserver } from './dispatcher.service.js';
import { NotificationRecordRepository } from '../records/notification-record.repository.js';
import { RECORD_STATUSES, type NotificationRecord, type RecordStatus } from '../notification.types.js';

type StatusCount = { status: RecordStatus; channelType: string; count: number };

const ACTIVE_STATUSES: ReadonlySet<RecordStatus> = new Set(['queued', 'sending', 'failed']);
/** How old the counts of finished records (sent, dead, skipped) may be before a scrape refreshes them. */
const FINAL_COUNTS_MAX_AGE_MS = 30_000;
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Delivery metrics. In this process, from the dispatcher: attempts by outcome and plugin, and
 * their duration by channel type. From the database at each scrape (cluster-wide: every replica
 * reports the same, aggregate with max()): records by status and channel type, and records due.
 *
 * The unfinished states (queued, sending, failed) and the due count are read at every scrape
 * through the partial indexes that cover them. Finished records are never deleted, so counting them
 * reads the whole table: that count is refreshed in the background when older than 30 s, and a
 * scrape reports the last one (it waits only for the first).
 */
@Injectable()
export class DeliveryMetrics implements OnModuleInit, AttemptObserver {
  private attempts!: Counter<'outcome' | 'plugin'>;
  private attemptSeconds!: Histogram<'channel_type'>;
  private finalCounts: { at: number; rows: StatusCount[] } | null = null;
  private refreshing: Promise<StatusCount[]> | null = null;

  constructor(
    private readonly metrics: MetricsService,
    private readonly dispatcher: Dispatcher,
    private readonly records: NotificationRecordRepository,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.attempts = this.metrics.counter({
      name: 'switchboard_delivery_attempts_total',
      help: 'Delivery attempts finished by this process, by outcome (success, temporary_fail, permanent_fail, skipped) and notifier plugin',
      labelNames: ['outcome', 'plugin'],
    });
    this.attemptSeconds = this.metrics.histogram({
      name: 'switchboard_delivery_attempt_duration_seconds',
      help: 'Duration of delivery attempts (the notifier send() call), by channel type',
      labelNames: ['channel_type'],
      buckets: ATTEMPT_BUCKETS,
    });
    const byStatus = this.metrics.gauge({
      name: 'switchboard_notification_records',
      help: 'Notification records by status and channel type (sent, dead and skipped may be up to 30 s old)',
      labelNames: ['status', 'channel_type'],
    });
    const due = this.metrics.gauge({ name: 'switchboard_notification_records_due', help: 'Records queued or failed whose next attempt is due now' });
    this.metrics.onScrape({
      name: 'notification_records',
      gauges: [byStatus, due],
      collect: async () => {
        const [active, final, dueNow] = await Promise.all([this.records.countActiveByStatus(), this.currentFinalCounts(), this.records.countDue()]);
        byStatus.reset();
        const channelTypes = new Set([...active, ...final].map((row) => row.channelType));
        // Every status of every channel type seen, so a state that empties reads 0 rather than vanishing.
        for (const channelType of channelTypes) for (const status of RECORD_STATUSES) byStatus.set({ status, channel_type: channelType }, 0);
        for (const row of [...active, ...final]) byStatus.set({ status: row.status, channel_type: row.channelType }, row.count);
        due.set(dueNow);
      },
    });
    this.dispatcher.observe(this);
  }

  attemptFinished(record: NotificationRecord, outcome: string, durationMs: number): void {
    this.attempts.inc({ outcome, plugin: record.pluginId });
    this.attemptSeconds.observe({ channel_type: record.channelType }, durationMs / 1000);
  }

  /** The finished records' counts: the last ones, refreshed in the background once stale. */
  private currentFinalCounts(): Promise<StatusCount[]> | StatusCount[] {
    const cached = this.finalCounts;
    if (cached !== null && this.clock.epochMs() - cached.at < FINAL_COUNTS_MAX_AGE_MS) return cached.rows;
    if (this.refreshing === null) {
      this.refreshing = this.countFinal().finally(() => {
        this.refreshing = null;
      });
      if (cached !== null) {
        this.refreshing.catch((err: unknown) => this.logger.warn({ err }, 'metrics: could not count the finished notification records; reporting the last count'));
      }
    }
    return cached?.rows ?? this.refreshing;
  }

  private async countFinal(): Promise<StatusCount[]> {
    const rows = (await this.records.countByStatus()).filter((row) => !ACTIVE_STATUSES.has(row.status));
    this.finalCounts = { at: this.clock.epochMs(), rows };
    return rows;
  }
}
