import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One notification: one (event, notifier interface, recipient), seed 003's notification_records.
 * States: queued → sending → sent; sending → failed (retry at next_attempt_at) → sending …;
 * → dead (a permanent failure, or attempts exhausted); skipped (the notifier had nothing to do,
 * or the interface was disabled or deleted before it was sent). The interface is named, not
 * referenced: deleting an interface keeps its history.
 */
@Entity({ name: 'notification_records' })
@Index('notification_records_dedup_unique', ['dedupKey'], { unique: true })
@Index('notification_records_due_idx', ['nextAttemptAt'], { where: `"status" IN ('queued', 'failed')` })
// The high lane of the claim (fair-lanes.ts): few rows, read first at every claim.
@Index('notification_records_due_high_idx', ['nextAttemptAt'], { where: `"status" IN ('queued', 'failed') AND "priority" > 0` })
@Index('notification_records_lease_idx', ['leaseExpiresAt'], { where: `"status" = 'sending'` })
@Index('notification_records_created_idx', ['createdAt', 'id'])
@Index('notification_records_event_idx', ['eventId'])
@Index('notification_records_finished_idx', ['updatedAt'], { where: `"status" IN ('sent', 'dead', 'skipped', 'cancelled')` })
export class NotificationRecordEntity {
  /** UUID v7; also the notification_id every attempt carries (receivers deduplicate on it). */
  @PrimaryColumn('uuid')
  id!: string;

  /** sha256 of (event_id, interface_id, recipient): replaying an event creates nothing new. */
  @Column('varchar', { length: 64 })
  dedupKey!: string;

  @Column('varchar', { length: 200 })
  eventId!: string;

  @Column('varchar', { length: 100 })
  eventType!: string;

  @Column('uuid')
  interfaceId!: string;

  /** The notifier's channel when planned: email, sms, push, chat, webhook. */
  @Column('varchar', { length: 16 })
  channelType!: string;

  @Column('varchar', { length: 64 })
  pluginId!: string;

  /** The interface's display name when planned (kept after it is renamed or deleted). */
  @Column('varchar', { length: 200 })
  channelName!: string;

  /** The address for personal channels (email, phone, user id); null for webhook/chat or "the channel's default". */
  @Column('varchar', { length: 320, nullable: true })
  recipient!: string | null;

  /** Everyone the event is for (roles and addresses): what webhook and chat channels get in their data. */
  @Column('jsonb')
  recipients!: unknown[];
  /**
   * The recipient's own target on a webhook or chat channel (a personal webhook URL from their
   * notification settings): the notifier sends there instead of its configured default.
   */
  @Column('text', { nullable: true })
  target!: string | null;
  /** The signing secret of that target, the recipient's own (never the interface's): copied from their settings when planned. */
  @Column('text', { nullable: true })
  targetSecret!: string | null;

  @Column('text')
  title!: string;

  @Column('text')
  body!: string;

  @Column('jsonb')
  data!: Record<string, unknown>;

  @Column('jsonb')
  metadata!: Record<string, string>;

  @Column('varchar', { length: 20, nullable: true })
  language!: string | null;

  /** The template and version the message was rendered from; null for the catalog's default message. */
  @Column('uuid', { nullable: true })
  templateId!: string | null;

  @Column('integer', { nullable: true })
  templateVersion!: number | null;

  @Column('varchar', { length: 16 })
  status!: string;

  @Column('integer', { default: 0 })
  attemptCount!: number;

  @Column('integer')
  maxAttempts!: number;

  @Column('timestamptz')
  nextAttemptAt!: Date;

  /** While `sending`: until when the claiming worker owns it. */
  @Column('timestamptz', { nullable: true })
  leaseExpiresAt!: Date | null;

  @Column('varchar', { length: 120, nullable: true })
  claimedBy!: string | null;

  /** Seed 003 error code of the last failure (provider_timeout …), or the reason it was skipped. */
  @Column('varchar', { length: 64, nullable: true })
  lastErrorCode!: string | null;

  @Column('text', { nullable: true })
  lastErrorMessage!: string | null;

  @Column('varchar', { length: 200, nullable: true })
  providerMessageId!: string | null;

  @Column('timestamptz')
  occurredAt!: Date;

  @Column('varchar', { length: 64, nullable: true })
  traceId!: string | null;

  /** The token subject that queued a manual record (POST /send, scheduleNotification); null: planned from an event, or seed 000's SendNotification. */
  @Column('varchar', { length: 200, nullable: true })
  senderSub!: string | null;

  /** PRIORITY_RANK: 1 high (claimed ahead of bulk), 0 normal. */
  @Column('smallint', { default: 0 })
  priority!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column('timestamptz', { nullable: true })
  sentAt!: Date | null;
}
