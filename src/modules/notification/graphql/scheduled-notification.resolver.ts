import { Args, Field, ID, InputType, Mutation, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../../common/auth/access.decorator.js';
import { DeliveryLogService } from '../delivery-log.service.js';
import { TemplateSendService } from '../template-send.service.js';
import { NotificationRecordModel } from './notification-record.model.js';
import { SendTemplateInput, TemplateSendResultModel } from './template-send.models.js';

@InputType('ScheduleNotificationInput', { description: 'sendTemplate\'s input and when to deliver it (POST /send with send_at).' })
export class ScheduleNotificationInput extends SendTemplateInput {
  @Field(() => String, { description: 'RFC 3339; in the future and at most MAX_SCHEDULE_DAYS ahead.' })
  sendAt!: string;
}

/**
 * Scheduled notifications over GraphQL (issue 12), the same services as POST /send with send_at
 * and DELETE /notifications/{id}, under the same permission.
 */
@Resolver()
export class ScheduledNotificationResolver {
  constructor(
    private readonly sender: TemplateSendService,
    private readonly log: DeliveryLogService,
  ) {}

  @RequirePermission('notif.send_manual')
  @Mutation(() => TemplateSendResultModel, { description: 'Renders a template and queues it to be delivered no earlier than sendAt.' })
  async scheduleNotification(@Args('input') input: ScheduleNotificationInput): Promise<TemplateSendResultModel> {
    return TemplateSendResultModel.from(await this.sender.send(input));
  }

  @RequirePermission('notif.send_manual')
  @Mutation(() => NotificationRecordModel, { description: 'Cancels a notification not sent yet (state cancelled); FAILED_PRECONDITION (notif.record_not_cancellable) once it is sending or finished.' })
  async cancelNotification(@Args('id', { type: () => ID }) id: string): Promise<NotificationRecordModel> {
    return NotificationRecordModel.from(await this.log.cancel(id));
  }
}
