import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { EventPriorities } from '../event-priorities.service.js';
import { EventPriorityModel } from './event-priority.model.js';

/** Admin: the delivery priority of each event type (docs/delivery.md, "Priority"). */
@Resolver(() => EventPriorityModel)
export class EventPrioritiesResolver {
  constructor(private readonly priorities: EventPriorities) {}

  @AdminOnly()
  @Query(() => [EventPriorityModel], { description: 'Every event type of the catalog with its delivery priority (admin).' })
  async eventPriorities(): Promise<EventPriorityModel[]> {
    return (await this.priorities.list()).map((p) => EventPriorityModel.from(p));
  }

  @AdminOnly()
  @Mutation(() => EventPriorityModel, {
    description:
      "Sets an event type's delivery priority (high | normal; null: back to the catalog default). Applies to events published afterwards; events already published keep theirs (admin).",
  })
  async setEventPriority(
    @CurrentCaller() caller: Caller,
    @Args('eventType', { type: () => String }) eventType: string,
    @Args('priority', { type: () => String, nullable: true }) priority: string | null,
  ): Promise<EventPriorityModel> {
    return EventPriorityModel.from(await this.priorities.set(eventType, priority ?? null, caller.sub));
  }
}
