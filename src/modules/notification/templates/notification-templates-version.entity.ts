import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row: a counter that every statement writing notification_templates raises by one in the
 * writing transaction (statement-level trigger, migration CreateNotificationTemplates), as
 * plugin_interfaces_version does for interfaces. The planner's in-memory template index compares
 * it once per outbox batch: a template saved by any process (an api replica, psql) is used from
 * the next batch on. Not written by the application itself.
 */
@Entity({ name: 'notification_templates_version' })
export class NotificationTemplatesVersionEntity {
  /** Always 1. */
  @PrimaryColumn('smallint')
  id!: number;

  @Column('bigint')
  version!: string;
}
