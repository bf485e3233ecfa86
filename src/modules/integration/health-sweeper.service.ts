import { hostname } from 'node:os';
import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { Logger } from 'pino';
import { Clock } from '../../common/clock.js';
import { IdGenerator } from '../../common/id-generator.js';
import { APP_CONFIG, LOGGER } from '../../common/tokens.js';
import { WorkerLoop, type BackgroundLoop } from '../../common/worker/worker-loop.js';
import type { AppConfig } from '../../config/app-config.js';
import { HealthSweepRepository } from './health-sweep.repository.js';
import { HealthWriteBatch } from './health-write-batch.js';
import { InterfaceHealthService, type CheckedInterface } from './interface-health.service.js';
import { PluginInterfaceRepository } from './plugin-interface.repository.js';

const JOB_NAME = 'plugin-health-sweep';
/** A sweep that has not finished after this long is presumed dead (its replica crashed) and no longer blocks ticks. */
const STALE_SWEEP_MS = 10 * 60_000;
const KEEP_SWEEPS_MS = 24 * 60 * 60_000;
/** Results are stored this many at a time, or this long after the first of a batch, whichever comes first. */
const WRITE_BATCH_SIZE = 50;
const WRITE_BATCH_DELAY_MS = 250;

export interface SweepResult {
  tickAt: Date;
  checked: number;
  unhealthy: number;
}

/**
 * The health cron (worker role): on every HEALTH_CHECK_CRON tick, one replica claims the tick
 * (HealthSweepRepository: advisory lock + one row per tick) and checks every enabled interface,
 * HEALTH_CHECK_CONCURRENCY at a time, each bounded by HEALTH_CHECK_TIMEOUT_MS; a check that fails
 * or hangs is recorded as unhealthy and the sweep goes on. Results are stored in batches
 * (HealthWriteBatch), all of them before the sweep is marked finished; state changes are emitted
 * as `plugin.health_changed` by InterfaceHealthService once stored. A tick that finds the previous
 * sweep still running is skipped, not queued.
 *
 * Deliberately not here: routing the event to notifications (the outbox relay and the notification
 * module's planner do that, as for any event), and checking disabled interfaces.
 */
@Injectable()
@WorkerLoop()
export class HealthSweeper implements BackgroundLoop, OnModuleDestroy {
  private job: CronJob | null = null;
  private running: Promise<unknown> | null = null;
  private readonly replica: string;

  constructor(
    private readonly interfaces: PluginInterfaceRepository,
    private readonly sweeps: HealthSweepRepository,
    private readonly health: InterfaceHealthService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    ids: IdGenerator,
    // Mounted with WorkerModule (ScheduleModule): absent in the api role, where the cron never starts.
    @Optional() private readonly scheduler?: SchedulerRegistry,
  ) {
    // Several apps may share a process (tests); the suffix tells them apart in plugin_health_sweeps.
    this.replica = `${hostname()}:${process.pid}:${ids.uuid().slice(-8)}`;
  }

  /** Starts the cron (WorkerModule, in the worker roles); sweep() can also be called directly. */
  start(): void {
    if (!this.scheduler) throw new Error('the health cron needs the SchedulerRegistry WorkerModule mounts');
    this.job = CronJob.from({ cronTime: this.config.healthCheck.cron, onTick: () => this.onTick(), timeZone: 'UTC', start: true });
    this.scheduler.addCronJob(JOB_NAME, this.job);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.job) {
      await this.job.stop();
      this.scheduler?.deleteCronJob(JOB_NAME);
      this.job = null;
    }
    await this.running;
  }

  /**
   * Sweeps for the tick scheduled at `tickAt` unless another replica (or an unfinished earlier
   * sweep) has it; null when this replica did not sweep.
   */
  async sweep(tickAt: Date): Promise<SweepResult | null> {
    const claimed = await this.sweeps.claim(tickAt, this.replica, this.clock.now(), STALE_SWEEP_MS);
    if (!claimed) return null;
    let checked = 0;
    let unhealthy = 0;
    const results = new HealthWriteBatch<CheckedInterface>(
      async (batch) => {
        unhealthy += (await this.record(batch)).filter(({ report }) => !report.isHealthy).length;
      },
      WRITE_BATCH_SIZE,
      WRITE_BATCH_DELAY_MS,
    );
    try {
      const rows = await this.interfaces.list({ enabledOnly: true });
      const queue = [...rows];
      const worker = async () => {
        for (let row = queue.shift(); row; row = queue.shift()) {
          // A sweep touches every interface once a tick: it must not push the compiled scripts that
          // serve real traffic out of the sandbox's cache to make room for its own.
          results.add({ row, report: await this.health.probe(row, this.config.healthCheck.timeoutMs, { transient: true }) });
          checked += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.healthCheck.concurrency, rows.length) }, worker));
    } finally {
      // Every result is stored (or its failure logged) before the sweep counts as finished.
      await results.drain();
      await this.sweeps.finish(tickAt, { finishedAt: this.clock.now(), checked, unhealthy });
    }
    await this.sweeps.prune(new Date(tickAt.getTime() - KEEP_SWEEPS_MS));
    this.logger.info({ tickAt, checked, unhealthy }, 'plugin health sweep done');
    return { tickAt, checked, unhealthy };
  }

  /**
   * Stores a batch of results; the ones the database refused count as unhealthy (with a warning)
   * and the sweep goes on. A failed batch is retried one row at a time, so one bad row costs only
   * its own result.
   */
  private async record(batch: CheckedInterface[]): Promise<CheckedInterface[]> {
    try {
      await this.health.recordMany(batch);
      return batch;
    } catch {
      const failed = (entry: CheckedInterface, err: unknown): CheckedInterface => {
        this.logger.warn({ interfaceId: entry.row.id, err: (err as Error).message }, 'health check could not be recorded');
        return { row: entry.row, report: { ...entry.report, isHealthy: false } };
      };
      const outcomes: CheckedInterface[] = [];
      for (const entry of batch) outcomes.push(await this.health.recordMany([entry]).then(() => entry, (err: unknown) => failed(entry, err)));
      return outcomes;
    }
  }

  /** Replicas fire within milliseconds of the scheduled whole second: that second names the tick. */
  private onTick(): void {
    const now = this.clock.now();
    const tickAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const run = this.sweep(tickAt).catch((err: unknown) => {
      this.logger.error({ err: (err as Error).message, tickAt }, 'plugin health sweep failed');
    });
    this.running = run;
  }
}
