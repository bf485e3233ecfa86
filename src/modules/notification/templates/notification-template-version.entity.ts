import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { NotificationTemplateEntity } from './notification-template.entity.js';

/**
 * What a template rendered at each of its versions, so a record's (template_id, template_version)
 * says exactly which text produced it. Written with the template in one transaction; never
 * updated. Deleted with its template (templates are not deleted today).
 */
@Entity({ name: 'notification_template_versions' })
export class NotificationTemplateVersionEntity {
  @PrimaryColumn('uuid')
  templateId!: string;

  @PrimaryColumn('integer')
  version!: number;

  @ManyToOne(() => NotificationTemplateEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'template_id' })
  template?: NotificationTemplateEntity;

  @Column('text', { nullable: true })
  subject!: string | null;

  @Column('text')
  content!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
