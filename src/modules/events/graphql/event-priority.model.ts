import { Field, ObjectType } from '@nestjs/graphql';
import type { EventTypePriority } from '../event-priorities.service.js';

@ObjectType('EventPriority', {
  description: "How an event type's notifications are claimed: high (transactional) ahead of normal (bulk), with a share kept for bulk (DELIVERY_BULK_SHARE_PERCENT).",
})
export class EventPriorityModel {
  @Field(() => String)
  eventType!: string;

  @Field(() => String, { description: 'high | normal: what events written from now on get.' })
  priority!: string;

  @Field(() => String, { description: 'high | normal: the catalog default (high for the transactional types: password.reset_requested, order_paid).' })
  defaultPriority!: string;

  @Field(() => String, { nullable: true, description: 'The admin who set it; null while the default applies.' })
  updatedBy!: string | null;

  @Field(() => Date, { nullable: true })
  updatedAt!: Date | null;

  static from(p: EventTypePriority): EventPriorityModel {
    return Object.assign(new EventPriorityModel(), p);
  }
}
