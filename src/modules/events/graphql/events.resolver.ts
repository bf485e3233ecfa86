import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { EventBus } from '../event-bus.service.js';
import type { PublishEventInput as PublishEventCommand } from '../events.types.js';
import { PublishEventInput } from './publish-event.input.js';
import { PublishedEventModel } from './published-event.model.js';

/** GraphQL args arrive as plain objects: copied field by field so the bus never holds a GraphQL input. */
const toCommand = (i: PublishEventInput): PublishEventCommand => ({
  eventId: i.eventId,
  eventType: i.eventType,
  eventVersion: i.eventVersion,
  source: i.source,
  occurredAt: i.occurredAt,
  data: i.data,
});

/** GraphQL publishEvent: the same EventBus call, access and error codes as EventService/PublishEvent. */
@Resolver()
export class EventsResolver {
  constructor(private readonly bus: EventBus) {}

  @RequirePermission('events.publish')
  @Mutation(() => PublishedEventModel, { description: 'Publish an event into the outbox (admin or permission events.publish).' })
  async publishEvent(@Args('input', { type: () => PublishEventInput }) input: PublishEventInput): Promise<PublishedEventModel> {
    return PublishedEventModel.from(await this.bus.publish(toCommand(input)));
  }
}
