import { Field, ID, InputType } from '@nestjs/graphql';

@InputType('NotificationRecordFilter', { description: 'Every field is optional; records match all the fields given (a list: any of its values).' })
export class NotificationRecordFilterInput {
  @Field(() => [String], { nullable: true, description: 'queued | sending | sent | failed | dead | skipped | cancelled' })
  statuses?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'email | sms | push | chat | webhook' })
  channelTypes?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'e.g. order_paid, ticket_replied' })
  eventTypes?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'The notifier interface.' })
  interfaceId?: string | null;

  @Field(() => String, { nullable: true })
  eventId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Created at or after this instant (RFC 3339).' })
  createdAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Created before this instant (RFC 3339).' })
  createdBefore?: Date | null;
}
