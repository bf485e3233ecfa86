import { Field, InputType } from '@nestjs/graphql';

@InputType('ChannelSettingInput')
export class ChannelSettingInput {
  @Field(() => String, { description: 'email | sms | push | chat | webhook' })
  channel!: string;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  enabled?: boolean | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL for webhook and chat (plugin HTTP\'s SSRF rules apply), an email address for email, a phone number for sms; none for push.' })
  target?: string | null;
}

@InputType('EventOptOutInput')
export class EventOptOutInput {
  @Field(() => String, { description: 'An event type of the catalog; password.reset_requested and order_paid cannot be muted.' })
  eventType!: string;

  @Field(() => [String], { nullable: true, description: 'The channels to mute it on; absent or empty: every channel.' })
  channels?: string[] | null;
}

@InputType('UpdateNotificationSettingsInput', { description: 'Replaces the whole settings: what is not listed goes back to its default.' })
export class UpdateNotificationSettingsInput {
  @Field(() => [ChannelSettingInput], { nullable: true })
  channels?: ChannelSettingInput[] | null;

  @Field(() => [EventOptOutInput], { nullable: true })
  mutedEvents?: EventOptOutInput[] | null;
}
