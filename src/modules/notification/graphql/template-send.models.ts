import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';
import type { TemplateSendResult } from '../direct-send/template-send.service.js';

@InputType('SendTemplateInput', { description: 'Seed 002\'s POST /send body.' })
export class SendTemplateInput {
  @Field(() => ID, { description: 'The template (a UUID).' })
  templateId!: string;

  @Field(() => String, { nullable: true, description: 'Email address, phone number or user id; absent: the notifier\'s default recipient.' })
  recipient?: string | null;

  @Field(() => String, { nullable: true, description: 'email | sms | push | chat | webhook. Absent: the template\'s type (it must match).' })
  channel?: string | null;

  @Field(() => JsonScalar, { nullable: true, description: 'The template\'s parameters (an object).' })
  params?: unknown;
}

@ObjectType('TemplateSendResult', { description: 'A queued templated notification; notificationRecord(id) follows it.' })
export class TemplateSendResultModel {
  @Field({ description: 'Always queued: delivery happens in the dispatcher, with retries.' })
  status!: string;

  @Field(() => ID)
  notificationId!: string;

  @Field(() => ID, { description: 'The notifier interface chosen for the channel.' })
  channelId!: string;

  @Field(() => Date, { nullable: true, description: 'When it is scheduled for (scheduleNotification); null: now.' })
  sendAt!: Date | null;

  static from(r: TemplateSendResult): TemplateSendResultModel {
    return Object.assign(new TemplateSendResultModel(), r);
  }
}
