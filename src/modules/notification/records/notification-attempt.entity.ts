import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One delivery attempt of a notification record, for audit (seed 003's request/response
 * payloads): what send() was given (no config, so no secrets) and what it answered, with the
 * outcome and timing.
 */
@Entity({ name: 'notification_attempts' })
@Index('notification_attempts_record_unique', ['recordId', 'attemptNo'], { unique: true })
export class NotificationAttemptEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  recordId!: string;

  @Column('integer')
  attemptNo!: number;

  @Column('varchar', { length: 120 })
  workerId!: string;

  @Column('timestamptz')
  startedAt!: Date;

  @Column('timestamptz')
  finishedAt!: Date;

  @Column('integer')
  durationMs!: number;

  /** success, temporary_fail, permanent_fail, skipped. */
  @Column('varchar', { length: 20 })
  outcome!: string;

  @Column('varchar', { length: 64, nullable: true })
  errorCode!: string | null;

  @Column('text', { nullable: true })
  errorMessage!: string | null;

  @Column('integer', { nullable: true })
  retryAfterSeconds!: number | null;

  @Column('jsonb', { nullable: true })
  requestPayload!: unknown;

  @Column('jsonb', { nullable: true })
  responsePayload!: unknown;
}
