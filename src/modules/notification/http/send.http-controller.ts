import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { Clock } from '../../../common/clock.js';
import { CommandBody, OptionalHeader } from '../../../common/http/command-body.js';
import { ErrorResponses, SuccessResponse } from '../../../common/http/openapi.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { DeliveryLogService } from '../records/delivery-log.service.js';
import { TemplateSendService } from '../direct-send/template-send.service.js';
import {
  fromSendBody,
  NOTIFICATION_STATUS_SCHEMA,
  SEND_ACCEPTED_SCHEMA,
  toNotificationStatus,
  toSendAccepted,
  type NotificationStatusBody,
  type SendAcceptedBody,
} from './notification.http-mapper.js';
import { IDEMPOTENCY_KEY_SCHEMA, SEND, type SendCommand } from './notification.http-commands.js';

/**
 * Seed 002's `POST /send` (a manual notification from a template; 202 once queued; `send_at`
 * schedules it), `GET /notifications/{id}`, its status, and `DELETE /notifications/{id}`, which
 * cancels it while not sent yet. All under `notif.send_manual`: whoever may send may
 * follow and cancel what they sent — only that (another caller's record is 404, as if there were
 * none); admins follow and cancel every record.
 */
const IDEMPOTENCY_KEY_DESCRIPTION =
  '1 to 100 of A-Z a-z 0-9 . _ : -. The same key from the same caller queues one notification: a retry gets the first answer again; the key with other fields is 409.';

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
  @ApiOperation({ operationId: 'sendNotification', summary: 'Send a notification from a template (queued; the dispatcher delivers it)' })
  @SuccessResponse(202, 'Queued: the record is stored and will be delivered with the usual retries.', SEND_ACCEPTED_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.template_not_found', 'notif.template_param_missing', 'notif.template_too_large', 'notif.channel_unavailable', 'notif.idempotency_key_reused')
  async sendNotification(
    @CommandBody(SEND) body: SendCommand,
    @CurrentCaller() caller: Caller,
    @OptionalHeader('Idempotency-Key', IDEMPOTENCY_KEY_SCHEMA, IDEMPOTENCY_KEY_DESCRIPTION) idempotencyKey?: string,
  ): Promise<SuccessEnvelope<SendAcceptedBody>> {
    return successEnvelope(toSendAccepted(await this.sender.send({ ...fromSendBody(body), idempotencyKey }, caller.sub)), this.clock.now());
  }

  @RequirePermission('notif.send_manual')
  @Get('notifications/:id')
  @ApiOperation({ operationId: 'getNotificationStatus', summary: 'The delivery status of a notification you sent (admins: any)' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @SuccessResponse(200, 'Its status (seed 002\'s queued, sent or failed) and the record\'s own state.', NOTIFICATION_STATUS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.record_not_found')
  async getNotificationStatus(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<SuccessEnvelope<NotificationStatusBody>> {
    return successEnvelope(toNotificationStatus(await this.log.get(id, caller)), this.clock.now());
  }

  @RequirePermission('notif.send_manual')
  @Delete('notifications/:id')
  @ApiOperation({ operationId: 'cancelNotification', summary: 'Cancel a notification not sent yet (queued, scheduled, or waiting for a retry)' })
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @SuccessResponse(200, 'Cancelled: its state is now `cancelled` (status failed) and it will not be sent.', NOTIFICATION_STATUS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.record_not_found', 'notif.record_not_cancellable')
  async cancelNotification(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<SuccessEnvelope<NotificationStatusBody>> {
    return successEnvelope(toNotificationStatus(await this.log.cancel(id, caller)), this.clock.now());
  }
}
