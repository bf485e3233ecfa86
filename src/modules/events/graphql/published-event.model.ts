import { Field, ObjectType } from '@nestjs/graphql';
import type { PublishResult } from '../events.types.js';

@ObjectType('PublishedEvent', { description: 'An accepted event (PublishEventResponse).' })
export class PublishedEventModel {
  @Field(() => String)
  eventId!: string;

  @Field(() => Boolean, { description: 'True when an event with this id was already accepted: nothing new was written.' })
  duplicate!: boolean;

  static from(r: PublishResult): PublishedEventModel {
    return Object.assign(new PublishedEventModel(), { eventId: r.eventId, duplicate: r.duplicate });
  }
}
