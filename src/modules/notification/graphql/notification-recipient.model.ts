import { Field, ObjectType } from '@nestjs/graphql';
import type { RecordRecipient } from '../notification.types.js';

@ObjectType('NotificationRecipient', { description: 'Someone an event is for, as the planner found them in its payload.' })
export class NotificationRecipientModel {
  @Field({ description: 'Why they get it: customer, admin, assignee, creator ...' })
  role!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => String, { nullable: true })
  userId!: string | null;

  static from(r: RecordRecipient): NotificationRecipientModel {
    return Object.assign(new NotificationRecipientModel(), { role: r.role, email: r.email ?? null, phone: r.phone ?? null, userId: r.userId ?? null });
  }
}
