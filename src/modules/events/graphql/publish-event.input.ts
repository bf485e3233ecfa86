import { Field, InputType } from '@nestjs/graphql';
import { JsonScalar } from '../../../common/graphql/json.scalar.js';

/** An event as PublishEvent takes it over gRPC, with the payload as JSON instead of its text. */
@InputType('PublishEventInput', { description: 'An event to publish: checked against the event catalog before anything is written.' })
export class PublishEventInput {
  @Field(() => String, { nullable: true, description: 'The publisher\'s id and dedup key (UUID recommended; up to 200 printable characters); absent: the server assigns one.' })
  eventId?: string | null;

  @Field(() => String, { description: 'A catalog type: order_paid, user.created, ...' })
  eventType!: string;

  @Field(() => String, { nullable: true, description: 'Absent: "1".' })
  eventVersion?: string | null;

  @Field(() => String, { nullable: true, description: 'The publishing service, e.g. "order-service".' })
  source?: string | null;

  @Field(() => String, { nullable: true, description: 'RFC 3339 timestamp; absent: now.' })
  occurredAt?: string | null;

  @Field(() => String, { nullable: true, description: 'RFC 3339: its notifications are not sent before then (at most MAX_SCHEDULE_DAYS ahead); absent: now.' })
  deliverAt?: string | null;

  @Field(() => JsonScalar, { description: 'The payload: a JSON object valid against the schema of the event type and version.' })
  data!: unknown;
}
