import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { Clock } from '../../../common/clock.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { EventBus } from '../event-bus.service.js';
import { fromEventEnvelope, toEventAccepted, type EventAcceptedBody } from './events.http-mapper.js';

/**
 * REST `POST /events`: seed 002's event envelope in, 202 with the seed-002 success envelope out
 * (`duplicate: true` when the event_id was already accepted: nothing new written). Admin or a
 * token with `events.publish`; errors in the seed-002 error envelope, by the exceptions filter.
 */
@Controller()
export class EventsHttpController {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  @RequirePermission('events.publish')
  @Post('events')
  @HttpCode(202)
  async publish(@Body() body: unknown): Promise<SuccessEnvelope<EventAcceptedBody>> {
    return successEnvelope(toEventAccepted(await this.bus.publish(fromEventEnvelope(body))), this.clock.now());
  }
}
