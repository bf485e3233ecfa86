import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { RetriedRecords } from '../notification.types.js';

@ObjectType('RetriedNotifications', {
  description: 'The failed and dead records one retryNotifications call put back in the queue (at most 1,000: call again while count is 1,000).',
})
export class RetriedNotificationsModel {
  @Field(() => Int)
  count!: number;

  @Field(() => [ID])
  ids!: string[];

  static from(r: RetriedRecords): RetriedNotificationsModel {
    return Object.assign(new RetriedNotificationsModel(), { count: r.count, ids: r.ids });
  }
}
