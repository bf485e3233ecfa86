import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, LOGGER } from '../../../common/tokens.js';
import { WorkerLoop, type BackgroundLoop } from '../../../common/worker/worker-loop.js';
import type { AppConfig } from '../../../config/app-config.js';
import { NotificationRecordRepository } from './notification-record.repository.js';

const PRUNE_EVERY_MS = 60 * 60 * 1_000;
/** Records deleted per statement: short transactions, however much has piled up. */
const PRUNE_BATCH = 5_000;

/**
 * Keeps notification_records from growing forever: hourly on workers, finished records (sent,
 * dead, skipped, cancelled) last changed more than NOTIFICATION_RETENTION_DAYS ago are deleted with
 * their attempts, a batch at a time. Records still to be sent (queued, sending, failed awaiting a
 * retry, scheduled) are never touched. NOTIFICATION_RETENTION_DAYS=0 keeps everything.
 */
@Injectable()
@WorkerLoop()
export class RecordRetention implements BackgroundLoop, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly records: NotificationRecordRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Starts the hourly timer (WorkerModule, in the worker roles); prune() can also be called directly. */
  start(): void {
    if (this.config.delivery.retentionDays === 0) return;
    this.timer = setInterval(() => void this.prune().catch(() => undefined), PRUNE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** One round: deletes every finished record past the retention, batch by batch. Returns how many went. */
  async prune(): Promise<number> {
    const days = this.config.delivery.retentionDays;
    if (days === 0) return 0;
    let removed = 0;
    try {
      for (;;) {
        const n = await this.records.pruneFinished(days, PRUNE_BATCH);
        removed += n;
        if (n < PRUNE_BATCH || this.stopped) break;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, removed }, 'notification record prune failed; will try again');
      throw err;
    }
    if (removed > 0) this.logger.info({ removed, retentionDays: days }, 'pruned finished notification records');
    return removed;
  }
}
