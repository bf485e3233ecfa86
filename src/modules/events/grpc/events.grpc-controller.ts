import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { EventBus } from '../event-bus.service.js';
import {
  fromPublishEventRequest,
  toPublishEventResponse,
  type PublishEventRequestMessage,
  type PublishEventResponseMessage,
} from './events.grpc-mapper.js';

const SERVICE = 'EventService';

/**
 * switchboard.events.v1.EventService (proto/switchboard/events/v1/events.proto): other services
 * publish events into the outbox. Admin or a token with `events.publish`. Validation, defaults and
 * dedup are EventBus's; an invalid event (or one invalid event of a batch) writes nothing.
 */
@Controller()
export class EventsGrpcController {
  constructor(private readonly bus: EventBus) {}

  @RequirePermission('events.publish')
  @GrpcMethod(SERVICE, 'PublishEvent')
  async publishEvent(request: PublishEventRequestMessage): Promise<PublishEventResponseMessage> {
    return toPublishEventResponse(await this.bus.publish(fromPublishEventRequest(request)));
  }

  @RequirePermission('events.publish')
  @GrpcMethod(SERVICE, 'PublishEvents')
  async publishEvents(request: { events: PublishEventRequestMessage[] }): Promise<{ results: PublishEventResponseMessage[] }> {
    return { results: (await this.bus.publishMany(request.events.map(fromPublishEventRequest))).map(toPublishEventResponse) };
  }
}
