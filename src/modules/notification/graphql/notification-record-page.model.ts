import { Field, ObjectType } from '@nestjs/graphql';
import type { RecordPage } from '../notification.types.js';
import { NotificationRecordModel } from './notification-record.model.js';

@ObjectType('NotificationRecordPage', { description: 'One page of the delivery log, newest first.' })
export class NotificationRecordPageModel {
  @Field(() => [NotificationRecordModel])
  records!: NotificationRecordModel[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  nextCursor!: string | null;

  static from(page: RecordPage): NotificationRecordPageModel {
    return Object.assign(new NotificationRecordPageModel(), { records: page.records.map((r) => NotificationRecordModel.from(r)), nextCursor: page.nextCursor });
  }
}
