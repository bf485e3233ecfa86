import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';
import type { ImmediateSendResult, NotifierInfo } from '../direct-send/immediate-send.service.js';

@ObjectType('NotificationChannel', { description: 'An enabled notifier interface, as seed 000\'s ListNotifiers answers it.' })
export class NotificationChannelModel {
  @Field(() => ID, { description: 'The notifier interface (channel_id).' })
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'email | sms | push | chat | webhook' })
  channelType!: string;

  @Field(() => [String], { description: 'supported_events() for this interface\'s config.' })
  supportedEvents!: string[];

  @Field()
  isHealthy!: boolean;

  static from(n: NotifierInfo): NotificationChannelModel {
    return Object.assign(new NotificationChannelModel(), { id: n.id, name: n.name, channelType: n.channel, supportedEvents: n.supportedEvents, isHealthy: n.isHealthy });
  }
}

@InputType('SendNotificationInput', { description: 'Seed 000\'s SendNotificationRequest.' })
export class SendNotificationInput {
  @Field({ description: 'Required, at most 100 characters, e.g. order_paid, test.' })
  eventType!: string;

  @Field({ description: 'Required, at most 500 characters.' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'At most 64 KiB.' })
  body?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 320 characters. Absent or empty: the channel\'s default recipient.' })
  recipient?: string | null;

  @Field(() => JsonScalar, { nullable: true, description: 'An object of strings, at most 50 entries.' })
  metadata?: unknown;

  @Field(() => [String], { nullable: true, description: 'Notifier interface ids. Absent or empty: every enabled notifier.' })
  channelIds?: string[] | null;
}

@ObjectType('NotificationResult', { description: 'One channel\'s first attempt.' })
export class NotificationResultModel {
  @Field()
  channelId!: string;

  @Field()
  success!: boolean;

  @Field({ description: 'Empty when success is true.' })
  errorMessage!: string;

  static from(r: ImmediateSendResult): NotificationResultModel {
    return Object.assign(new NotificationResultModel(), r);
  }
}
