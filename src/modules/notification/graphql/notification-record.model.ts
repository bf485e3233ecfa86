import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';
import type { NotificationAttempt, NotificationRecord } from '../notification.types.js';
import { NotificationAttemptModel } from './notification-attempt.model.js';
import { NotificationRecipientModel } from './notification-recipient.model.js';

@ObjectType('NotificationRecord', {
  description: 'One notification: an (event, notifier interface, recipient) and its delivery state (seed 003).',
})
export class NotificationRecordModel {
  @Field(() => ID, { description: 'Also the notification_id every attempt carries (webhook-id), so receivers deduplicate.' })
  id!: string;

  @Field()
  eventId!: string;

  @Field()
  eventType!: string;

  @Field(() => ID, { description: 'The notifier interface; it may since have been deleted.' })
  interfaceId!: string;

  @Field({ description: 'email | sms | push | chat | webhook' })
  channelType!: string;

  @Field()
  pluginId!: string;

  @Field({ description: "The interface's display name when the record was planned." })
  channelName!: string;

  @Field(() => String, { nullable: true, description: 'The address for personal channels; null for webhook and chat, except a recipient\'s own record there (an own target or an opt-out in their settings: their user id or address).' })
  recipient!: string | null;

  @Field(() => [NotificationRecipientModel], { description: 'Everyone the event is for.' })
  recipients!: NotificationRecipientModel[];

  @Field()
  title!: string;

  @Field()
  body!: string;

  @Field(() => JsonScalar, { description: "The event's payload." })
  data!: Record<string, unknown>;

  @Field(() => JsonScalar)
  metadata!: Record<string, string>;

  @Field(() => String, { nullable: true })
  language!: string | null;

  @Field(() => ID, { nullable: true })
  templateId!: string | null;

  @Field(() => Int, { nullable: true })
  templateVersion!: number | null;

  @Field({ description: 'queued | sending | sent | failed | dead | skipped | cancelled' })
  status!: string;

  @Field(() => Int)
  attemptCount!: number;

  @Field(() => Int, { description: 'Attempts allowed in all; a replay raises it by the configured number of attempts.' })
  maxAttempts!: number;

  @Field({ description: 'When a queued or failed record is due.' })
  nextAttemptAt!: Date;

  @Field(() => String, { nullable: true })
  lastErrorCode!: string | null;

  @Field(() => String, { nullable: true })
  lastErrorMessage!: string | null;

  @Field(() => String, { nullable: true })
  providerMessageId!: string | null;

  @Field()
  occurredAt!: Date;

  @Field(() => String, { nullable: true })
  traceId!: string | null;

  @Field(() => String, { description: "high | normal: high records are claimed ahead of bulk ones (its event type's priority when planned; direct sends are high)." })
  priority!: string;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  sentAt!: Date | null;

  /** Filled when read with its attempts (notificationRecord); otherwise the resolver loads them if asked. */
  preloadedAttempts?: NotificationAttemptModel[];

  static from(r: NotificationRecord & { attempts?: NotificationAttempt[] }): NotificationRecordModel {
    const { attempts, recipients, ...rest } = r;
    return Object.assign(new NotificationRecordModel(), rest, {
      recipients: recipients.map((p) => NotificationRecipientModel.from(p)),
      preloadedAttempts: attempts?.map((a) => NotificationAttemptModel.from(a)),
    });
  }
}
