import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import { ImmediateSendService } from '../direct-send/immediate-send.service.js';
import { NotificationChannelModel, NotificationResultModel, SendNotificationInput } from './immediate-send.models.js';

/** Seed 000's NotificationService over GraphQL: the same ImmediateSendService as the gRPC controller. */
@Resolver()
export class ImmediateSendResolver {
  constructor(private readonly manual: ImmediateSendService) {}

  @AdminOnly()
  @Query(() => [NotificationChannelModel], { description: 'Enabled notifier interfaces with their channel type, supported events and health (ListNotifiers).' })
  async notificationChannels(): Promise<NotificationChannelModel[]> {
    return (await this.manual.notifiers()).map((n) => NotificationChannelModel.from(n));
  }

  @AdminOnly()
  @Mutation(() => [NotificationResultModel], {
    description: 'Sends a manual notification (SendNotification) and answers each channel\'s first attempt; an unusable channel id is a failed result, not an error.',
  })
  async sendNotification(@Args('input') input: SendNotificationInput): Promise<NotificationResultModel[]> {
    return (await this.manual.send(input)).map((r) => NotificationResultModel.from(r));
  }
}
