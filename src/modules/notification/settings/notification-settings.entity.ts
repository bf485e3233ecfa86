import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One recipient's notification settings: keyed by user id (the JWT `sub`, or the `user_id` an
 * event carries) or, for recipients known only by address, by that address (an email address or
 * phone number). `channels`: per channel type an on/off switch and the recipient's own target;
 * `muted_events`: event types opted out of, each on every channel or on the listed ones.
 */
@Entity({ name: 'notification_settings' })
export class NotificationSettingsEntity {
  /** `user` or `address`. */
  @PrimaryColumn('varchar', { length: 16 })
  subjectKind!: string;
  /** The user id, or the address (emails lower-cased). */
  @PrimaryColumn('varchar', { length: 320 })
  subject!: string;
  /** [{ channel, enabled, target }] */
  @Column('jsonb')
  channels!: unknown[];
  /** [{ event_type, channels }] — channels empty: every channel. */
  @Column('jsonb')
  mutedEvents!: unknown[];
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
