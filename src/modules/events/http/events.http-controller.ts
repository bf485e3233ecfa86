import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { CommandBody } from '../../../common/http/command-body.js';
import { ErrorResponses, SuccessResponse } from '../../../common/http/openapi.js';
import { Clock } from '../../../common/clock.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { EventBus } from '../event-bus.service.js';
import { EVENT_ACCEPTED_SCHEMA, EVENT_ENVELOPE, fromEventEnvelope, toEventAccepted, type EventAcceptedBody, type EventEnvelopeBody } from './events.http-mapper.js';

/**
 * REST `POST /events`: seed 002's event envelope in, 202 with the seed-002 success envelope out
 * (`duplicate: true` when the event_id was already accepted: nothing new written). Admin or a
 * token with `events.publish`; errors in the seed-002 error envelope, by the exceptions filter.
 */
@ApiTags('events')
@Controller()
export class EventsHttpController {
  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  @RequirePermission('events.publish')
  @Post('events')
  @HttpCode(202)
  @ApiOperation({ operationId: 'publishEvent', summary: 'Publish a domain event (seed 002\'s event envelope)' })
  @SuccessResponse(202, 'Accepted (duplicate: true when the event_id was accepted before; nothing new was written).', EVENT_ACCEPTED_SCHEMA)
  @ErrorResponses('common.validation_failed', 'events.unknown_type', 'events.unknown_version', 'events.invalid_payload', 'events.payload_too_large')
  async publishEvent(@CommandBody(EVENT_ENVELOPE) body: EventEnvelopeBody): Promise<SuccessEnvelope<EventAcceptedBody>> {
    return successEnvelope(toEventAccepted(await this.bus.publish(fromEventEnvelope(body))), this.clock.now());
  }
}
