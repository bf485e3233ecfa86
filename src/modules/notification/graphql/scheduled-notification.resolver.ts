import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { DeliveryLogService } from '../records/delivery-log.service.js';
import { TemplateSendService } from '../direct-send/template-send.service.js';
import { NotificationRecordModel } from './notification-record.model.js';
import { ScheduleNotificationInput } from './schedule-notification.input.js';
import { TemplateSendResultModel } from './template-send.models.js';

/**
 * Scheduled notifications over GraphQL, the same services as POST /send with send_at
 * and DELETE /notifications/{id}, under the same permission and the same ownership: a caller
 * cancels only what it queued (anything else NOT_FOUND); admins cancel any.
 */
@Resolver()
export class ScheduledNotificationResolver {
  constructor(
    private readonly sender: TemplateSendService,
    private readonly log: DeliveryLogService,
  ) {}

  @RequirePermission('notif.send_manual')
  @Mutation(() => TemplateSendResultModel, { description: 'Renders a template and queues it to be delivered no earlier than sendAt.' })
  async scheduleNotification(@Args('input') input: ScheduleNotificationInput, @CurrentCaller() caller: Caller): Promise<TemplateSendResultModel> {
    return TemplateSendResultModel.from(await this.sender.send(input, caller.sub));
  }

  @RequirePermission('notif.send_manual')
  @Mutation(() => NotificationRecordModel, { description: 'Cancels a notification you queued (admins: any) not sent yet (state cancelled); NOT_FOUND for another caller\'s; FAILED_PRECONDITION (notif.record_not_cancellable) once it is sending or finished.' })
  async cancelNotification(@Args('id', { type: () => ID }) id: string, @CurrentCaller() caller: Caller): Promise<NotificationRecordModel> {
    return NotificationRecordModel.from(await this.log.cancel(id, caller));
  }
}
