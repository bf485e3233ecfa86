import { Field, ObjectType } from '@nestjs/graphql';
import type { NotificationSettings } from '../settings/notification-settings.types.js';

@ObjectType('ChannelSetting', { description: "One channel type's switch and the recipient's own target on it." })
export class ChannelSettingModel {
  @Field(() => String, { description: 'email | sms | push | chat | webhook' })
  channel!: string;

  @Field(() => Boolean, { description: 'false: nothing by this channel (except events that cannot be opted out of).' })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Where this channel reaches the recipient instead of its default: a personal webhook/Feishu bot URL (webhook, chat), an email address (email), a phone number (sms).' })
  target!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "webhook: the own target's signing secret (whsec_…, Standard Webhooks), in full only in the answer to the save or rotation that made it; null otherwise. Verify the webhook-signature header with it.",
  })
  signingSecret!: string | null;
}

@ObjectType('EventOptOut', { description: 'An event type opted out of.' })
export class EventOptOutModel {
  @Field(() => String)
  eventType!: string;

  @Field(() => [String], { description: 'The channels it is muted on; empty: every channel.' })
  channels!: string[];
}

@ObjectType('NotificationSettings', { description: "A recipient's notification settings (docs/settings.md). Never saved: every channel on, no own targets, nothing muted." })
export class NotificationSettingsModel {
  @Field(() => String, { nullable: true, description: 'The user id the settings belong to; null for an address.' })
  user!: string | null;

  @Field(() => String, { nullable: true, description: 'The email address or phone number they belong to, for a recipient known only by address.' })
  address!: string | null;

  @Field(() => [ChannelSettingModel])
  channels!: ChannelSettingModel[];

  @Field(() => [EventOptOutModel])
  mutedEvents!: EventOptOutModel[];

  @Field(() => Date, { nullable: true, description: 'null: never saved.' })
  updatedAt!: Date | null;

  static from(s: NotificationSettings): NotificationSettingsModel {
    return Object.assign(new NotificationSettingsModel(), {
      user: s.subject.kind === 'user' ? s.subject.id : null,
      address: s.subject.kind === 'address' ? s.subject.id : null,
      channels: s.channels.map((c) => Object.assign(new ChannelSettingModel(), { channel: c.channel, enabled: c.enabled, target: c.target, signingSecret: c.signingSecret ?? null })),
      mutedEvents: s.mutedEvents.map((m) => Object.assign(new EventOptOutModel(), { eventType: m.eventType, channels: [...m.channels] })),
      updatedAt: s.updatedAt,
    });
  }
}
