import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per health-cron tick that some replica claimed: the primary key is what makes a tick
 * run once across replicas (the claim runs under a PostgreSQL advisory lock, see
 * HealthSweepRepository).
 */
@Entity({ name: 'plugin_health_sweeps' })
export class HealthSweepEntity {
  /** The scheduled time of the tick (whole second). */
  @PrimaryColumn('timestamptz')
  tickAt!: Date;

  @Column('varchar', { length: 200 })
  sweptBy!: string;

  @Column('timestamptz')
  startedAt!: Date;

  @Column('timestamptz', { nullable: true })
  finishedAt!: Date | null;

  @Column('integer', { default: 0 })
  checked!: number;

  @Column('integer', { default: 0 })
  unhealthy!: number;
}
