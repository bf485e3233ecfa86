import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Seed 002's NotificationTemplate: one text per channel type and language, optionally selected by
 * an event type. Names are unique; so is (trigger_event, type, language) among event-triggered
 * templates, so the planner never has to guess which of two templates an event meant.
 */
@Entity({ name: 'notification_templates' })
@Index('notification_templates_name_unique', ['name'], { unique: true })
@Index('notification_templates_trigger_unique', ['triggerEvent', 'type', 'language'], { unique: true, where: `"trigger_event" IS NOT NULL` })
export class NotificationTemplateEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('varchar', { length: 100 })
  name!: string;

  /** A notifier channel type: email, sms, push, chat, webhook. */
  @Column('varchar', { length: 16 })
  type!: string;

  /** Lower-cased language tag (`vi`, `pt-br`). */
  @Column('varchar', { length: 35 })
  language!: string;

  @Column('varchar', { length: 100, nullable: true })
  triggerEvent!: string | null;

  @Column('text', { nullable: true })
  subject!: string | null;

  @Column('text')
  content!: string;

  /** 1 on create, +1 whenever subject or content changes; each version's text is in notification_template_versions. */
  @Column('integer')
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
