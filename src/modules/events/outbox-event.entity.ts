import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One published event (docs/delivery.md, "Outbox"; its path: docs/architecture.md, "One event,
 * ingress to delivered record"): written in the publisher's transaction, planned by the outbox
 * relay. `status`: `pending` until planned, then `processed` (pruned after
 * OUTBOX_RETENTION_DAYS), or `dead` with the reason (unknown type or version, a payload that fails
 * its schema, or planning that failed OUTBOX_MAX_ATTEMPTS times). Dead rows are kept.
 */
@Entity({ name: 'outbox_events' })
@Index('outbox_events_event_id_unique', ['eventId'], { unique: true })
@Index('outbox_events_due_idx', ['nextAttemptAt'], { where: `"status" = 'pending'` })
// The high lane of the relay's claim (fair-lanes.ts).
@Index('outbox_events_due_high_idx', ['nextAttemptAt'], { where: `"status" = 'pending' AND "priority" > 0` })
@Index('outbox_events_processed_idx', ['processedAt'], { where: `"status" = 'processed'` })
// Dead rows are kept and few: counted at every metrics scrape without reading the processed ones.
@Index('outbox_events_dead_idx', ['createdAt'], { where: `"status" = 'dead'` })
export class OutboxEventEntity {
  /** UUID v7: the row's own id (event_id is the publisher's). */
  @PrimaryColumn('uuid')
  id!: string;

  /** The publisher's id, the dedup key: printable, up to 200 characters. */
  @Column('varchar', { length: 200 })
  eventId!: string;

  @Column('varchar', { length: 100 })
  eventType!: string;

  @Column('varchar', { length: 20 })
  eventVersion!: string;

  @Column('varchar', { length: 200, nullable: true })
  source!: string | null;

  @Column('timestamptz')
  occurredAt!: Date;

  @Column('jsonb')
  data!: Record<string, unknown>;

  @Column('varchar', { length: 64, nullable: true })
  traceId!: string | null;

  /** A scheduled event: its notifications wait in `queued` until then (null: deliver now). */
  @Column('timestamptz', { nullable: true })
  deliverAt!: Date | null;

  @Column('varchar', { length: 16, default: 'pending' })
  status!: 'pending' | 'processed' | 'dead';

  /** Planning attempts that failed. */
  @Column('integer', { default: 0 })
  attempts!: number;

  @Column('timestamptz', { default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column('text', { nullable: true })
  lastError!: string | null;

  /** PRIORITY_RANK, from event_priorities or the catalog default when written: 1 high, 0 normal. */
  @Column('smallint', { default: 0 })
  priority!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  processedAt!: Date | null;
}
