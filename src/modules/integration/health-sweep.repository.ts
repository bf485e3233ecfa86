import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HealthSweepEntity } from './health-sweep.entity.js';

/** Key of the advisory lock under which replicas claim health-cron ticks. */
const SWEEP_LOCK = "hashtext('switchboard.plugin_health_sweep')";

/** The only place that queries plugin_health_sweeps. */
@Injectable()
export class HealthSweepRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims a tick for this replica: true for exactly one caller per tick across all replicas.
   * The advisory lock (transaction-scoped, so it is released at commit and never held across the
   * sweep: the embedded database has one connection) serialises claimers, so the check for an
   * unfinished earlier sweep and the insert are one step.
   */
  async claim(tickAt: Date, sweptBy: string, now: Date, staleAfterMs: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`);
      if (!locked) return false;
      const running = await manager.query<unknown[]>(`SELECT 1 FROM plugin_health_sweeps WHERE finished_at IS NULL AND started_at > $1 LIMIT 1`, [
        new Date(now.getTime() - staleAfterMs),
      ]);
      if (running.length > 0) return false;
      const inserted = (await manager
        .createQueryBuilder()
        .insert()
        .into(HealthSweepEntity)
        .values({ tickAt, sweptBy, startedAt: now, finishedAt: null, checked: 0, unhealthy: 0 })
        .orIgnore()
        .returning(['tick_at'])
        .execute()) as { raw: unknown[] };
      return inserted.raw.length > 0;
    });
  }

  async finish(tickAt: Date, result: { finishedAt: Date; checked: number; unhealthy: number }): Promise<void> {
    await this.dataSource.getRepository(HealthSweepEntity).update({ tickAt }, result);
  }

  /** Drops rows older than `before` (the table is a claim log, not history). */
  async prune(before: Date): Promise<void> {
    await this.dataSource.createQueryBuilder().delete().from(HealthSweepEntity).where('tick_at < :before', { before }).execute();
  }
}
