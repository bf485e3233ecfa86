import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { TemplateVersion } from '../templates/template.repository.js';

@ObjectType('NotificationTemplateVersion', { description: 'The text a template had at one version: what a record with this template_version was rendered from.' })
export class NotificationTemplateVersionModel {
  @Field(() => Int)
  version!: number;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field()
  content!: string;

  @Field()
  createdAt!: Date;

  static from(v: TemplateVersion): NotificationTemplateVersionModel {
    return Object.assign(new NotificationTemplateVersionModel(), { version: v.version, subject: v.subject, content: v.content, createdAt: v.createdAt });
  }
}
