import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { Clock } from '../../../common/clock.js';
import { ErrorResponses, JsonBody, SuccessResponse } from '../../../common/http/openapi.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { DeliveryLogService } from '../delivery-log.service.js';
import { TemplateSendService } from '../template-send.service.js';
import {
  fromSendBody,
  NOTIFICATION_STATUS_SCHEMA,
  SEND_ACCEPTED_SCHEMA,
  SEND_SCHEMA,
  toNotificationStatus,
  toSendAccepted,
  type NotificationStatusBody,
  type SendAcceptedBody,
} from './notification.http-mapper.js';

/**
 * Seed 002's `POST /send` (a manual notification from a template; 202 once queued; `send_at`
 * schedules it), `GET /notifications/{id}`, its status, and `DELETE /notifications/{id}`, which
 * cancels it while not sent yet (issue 12). All under `notif.send_manual`: whoever may send may
 * follow and cancel what they sent.
 */
@ApiTags('send')
@Controller()
export class SendHttpController {
  constructor(
    private readonly sender: TemplateSendService,
    private readonly log: DeliveryLogService,
    private readonly clock: Clock,
  ) {}

  @RequirePermission('notif.send_manual')
  @Post('send')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a notification from a template (queued; the dispatcher delivers it)' })
  @JsonBody(SEND_SCHEMA)
  @SuccessResponse(202, 'Queued: the record is stored and will be delivered with the usual retries.', SEND_ACCEPTED_SCHEMA)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1 to 100 of A-Z a-z 0-9 . _ : -. The same key from the same caller queues one notification: a retry gets the first answer again; the key with other fields is 409.',
  })
  @ErrorResponses('common.validation_failed', 'notif.template_not_found', 'notif.template_param_missing', 'notif.channel_unavailable', 'notif.idempotency_key_reused')
  async send(
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Headers('content-type') contentType?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<SuccessEnvelope<SendAcceptedBody>> {
    return successEnvelope(toSendAccepted(await this.sender.send({ ...fromSendBody(body, contentType), idempotencyKey }, caller.sub)), this.clock.now());
  }

  @RequirePermission('notif.send_manual')
  @Get('notifications/:id')
  @ApiOperation({ summary: 'The delivery status of a notification' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @SuccessResponse(200, 'Its status (seed 002\'s queued, sent or failed) and the record\'s own state.', NOTIFICATION_STATUS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.record_not_found')
  async status(@Param('id') id: string): Promise<SuccessEnvelope<NotificationStatusBody>> {
    return successEnvelope(toNotificationStatus(await this.log.get(id)), this.clock.now());
  }

  @RequirePermission('notif.send_manual')
  @Delete('notifications/:id')
  @ApiOperation({ summary: 'Cancel a notification not sent yet (queued, scheduled, or waiting for a retry)' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @SuccessResponse(200, 'Cancelled: its state is now `cancelled` (status failed) and it will not be sent.', NOTIFICATION_STATUS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.record_not_found', 'notif.record_not_cancellable')
  async cancel(@Param('id') id: string): Promise<SuccessEnvelope<NotificationStatusBody>> {
    return successEnvelope(toNotificationStatus(await this.log.cancel(id)), this.clock.now());
  }
}
