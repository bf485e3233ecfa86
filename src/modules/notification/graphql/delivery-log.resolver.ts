import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AdminOnly } from '../../../common/auth/access.decorator.js';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { DeliveryLogService } from '../records/delivery-log.service.js';
import { NotificationAttemptModel } from './notification-attempt.model.js';
import { NotificationRecordFilterInput } from './notification-record-filter.input.js';
import { NotificationRecordPageModel } from './notification-record-page.model.js';
import { NotificationRecordModel } from './notification-record.model.js';
import { RetriedNotificationsModel } from './retried-notifications.model.js';

/** The delivery log for admins: notification records, their attempts, and replaying failed or dead ones. */
@Resolver(() => NotificationRecordModel)
export class DeliveryLogResolver {
  constructor(private readonly log: DeliveryLogService) {}

  @AdminOnly()
  @Query(() => NotificationRecordPageModel, { description: 'Notification records, newest first. `first`: 1 to 200, default 50.' })
  async notificationRecords(
    @Args('filter', { type: () => NotificationRecordFilterInput, nullable: true }) filter?: NotificationRecordFilterInput,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<NotificationRecordPageModel> {
    return NotificationRecordPageModel.from(await this.log.list(filter, first, after));
  }

  @AdminOnly()
  @Query(() => NotificationRecordModel, { description: 'One record with its attempts; NOT_FOUND when there is none.' })
  async notificationRecord(@Args('id', { type: () => ID }) id: string, @CurrentCaller() caller: Caller): Promise<NotificationRecordModel> {
    return NotificationRecordModel.from(await this.log.get(id, caller));
  }

  @AdminOnly()
  @Mutation(() => NotificationRecordModel, {
    description: 'Puts a failed or dead record back in the queue with a fresh set of attempts; FAILED_PRECONDITION for any other status.',
  })
  async retryNotification(@Args('id', { type: () => ID }) id: string): Promise<NotificationRecordModel> {
    return NotificationRecordModel.from(await this.log.retry(id));
  }

  @AdminOnly()
  @Mutation(() => RetriedNotificationsModel, { description: 'Retries the failed and dead records matching the filter, oldest first, at most 1,000 per call.' })
  async retryNotifications(
    @Args('filter', { type: () => NotificationRecordFilterInput, nullable: true }) filter?: NotificationRecordFilterInput,
  ): Promise<RetriedNotificationsModel> {
    return RetriedNotificationsModel.from(await this.log.retryMany(filter));
  }

  /** Oldest first. Read with the record by notificationRecord; loaded per record when a page asks for it. */
  @ResolveField(() => [NotificationAttemptModel])
  async attempts(@Parent() record: NotificationRecordModel): Promise<NotificationAttemptModel[]> {
    return record.preloadedAttempts ?? (await this.log.attemptsOf(record.id)).map((a) => NotificationAttemptModel.from(a));
  }
}
