import { Field, InputType } from '@nestjs/graphql';
import { SendTemplateInput } from './template-send.models.js';

@InputType('ScheduleNotificationInput', { description: 'sendTemplate\'s input and when to deliver it (POST /send with send_at).' })
export class ScheduleNotificationInput extends SendTemplateInput {
  @Field(() => String, { description: 'RFC 3339; in the future and at most MAX_SCHEDULE_DAYS ahead.' })
  sendAt!: string;
}
