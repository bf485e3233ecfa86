import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * The priority an admin chose for an event type (setEventPriority); a type without a row has its
 * catalog default (defaultPriorityOf). Read by the outbox insert itself, so every replica applies
 * a change from the next event it writes.
 */
@Entity({ name: 'event_priorities' })
export class EventPriorityEntity {
  @PrimaryColumn('varchar', { length: 100 })
  eventType!: string;

  /** PRIORITY_RANK: 1 high, 0 normal. */
  @Column('smallint')
  priority!: number;

  /** The token subject that set it. */
  @Column('varchar', { length: 200, nullable: true })
  updatedBy!: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
