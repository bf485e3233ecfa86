import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { NotificationTemplate } from '../templates/template.types.js';

@ObjectType('NotificationTemplate', { description: 'Seed 002\'s NotificationTemplate: one text for one channel type and language.' })
export class NotificationTemplateModel {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Unique; letters, digits, "_", "." and "-", at most 100 characters.' })
  name!: string;

  @Field({ description: 'The channel type: email | sms | push | chat | webhook.' })
  type!: string;

  @Field({ description: 'Lower-cased language tag (vi, en, pt-br).' })
  language!: string;

  @Field(() => String, { nullable: true, description: 'The event type that selects this template for event-triggered notifications; null: manual sends only.' })
  triggerEvent!: string | null;

  @Field(() => String, { nullable: true, description: 'Mustache subject (email) or title; null: the trigger event\'s default title.' })
  subject!: string | null;

  @Field({ description: 'Mustache body; values are HTML-escaped for email, verbatim for the other channels.' })
  content!: string;

  @Field(() => Int, { description: '1 on create, +1 whenever subject or content changes.' })
  version!: number;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(t: NotificationTemplate): NotificationTemplateModel {
    return Object.assign(new NotificationTemplateModel(), {
      id: t.id,
      name: t.name,
      type: t.type,
      language: t.language,
      triggerEvent: t.triggerEvent,
      subject: t.subject,
      content: t.content,
      version: t.version,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    });
  }
}
