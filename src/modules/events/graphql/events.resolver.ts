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
  deliverAt: i.deliverAt,
  data: i.data,
});

/**
 * GraphQL publishEvent / publishEvents: the same EventBus calls, access and error codes as
 * EventService/PublishEvent and PublishEvents. The batch argument is named `events`, as the gRPC
 * field is, so a refused batch names the failing event the same way on both (`events[1].data.amount`).
 */
@Resolver()
export class EventsResolver {
  constructor(private readonly bus: EventBus) {}

  @RequirePermission('events.publish')
  @Mutation(() => PublishedEventModel, { description: 'Publish an event into the outbox (admin or permission events.publish).' })
  async publishEvent(@Args('input', { type: () => PublishEventInput }) input: PublishEventInput): Promise<PublishedEventModel> {
    return PublishedEventModel.from(await this.bus.publish(toCommand(input)));
  }

  @RequirePermission('events.publish')
  @Mutation(() => [PublishedEventModel], {
    description:
      'Publish 1 to 1,000 events, all or none: one invalid event refuses the call, naming it (events[3].data.amount), and nothing is written. ' +
      'Results are in the order sent; an eventId already accepted, or repeated in the batch, answers duplicate: true (admin or permission events.publish).',
  })
  async publishEvents(@Args('events', { type: () => [PublishEventInput] }) events: PublishEventInput[]): Promise<PublishedEventModel[]> {
    return (await this.bus.publishMany(events.map(toCommand))).map((r) => PublishedEventModel.from(r));
  }
}
