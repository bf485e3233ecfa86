import type { NotifierChannel } from '../../plugins/plugin-contract.js';

/**
 * Whose settings: a user (by id: the JWT `sub`, or the `user_id` an event carries) or a recipient
 * known only by address (an email address, lower-cased, or a phone number).
 */
export interface SettingsSubject {
  kind: 'user' | 'address';
  id: string;
}

/** One channel type's switch and the recipient's own target on it. */
export interface ChannelSetting {
  channel: NotifierChannel;
  /** false: nothing by this channel (except events the catalog marks as not opt-out-able). */
  enabled: boolean;
  /**
   * Where this channel reaches the recipient instead of its default: a personal webhook or
   * Feishu/chat bot URL (webhook, chat), an email address (email), a phone number (sms).
   */
  target: string | null;
  /**
   * The signing secret of an own webhook target (`whsec_` + base64 of 24 random bytes), made by
   * the server when the target is saved or rotated: that endpoint's own, never the notifier
   * interface's. null for other channels and when there is no target.
   */
  secret: string | null;
  /**
   * As answered: the secret in full only in the answer to the save or rotation that made it
   * (shown once), else null. Never stored under this name.
   */
  signingSecret?: string | null;
}

/** An event type opted out of, on the listed channels (empty: every channel). */
export interface EventOptOut {
  eventType: string;
  channels: NotifierChannel[];
}

export interface NotificationSettings {
  subject: SettingsSubject;
  channels: ChannelSetting[];
  mutedEvents: EventOptOut[];
  /** null: never saved (the defaults: every channel on, no own targets, nothing muted). */
  updatedAt: Date | null;
}

/** A settings update as a transport hands it over, unchecked (NotificationSettingsService validates it). Replaces the whole settings. */
export interface NotificationSettingsInput {
  channels?: unknown;
  mutedEvents?: unknown;
}

export function subjectKey(subject: SettingsSubject): string {
  return `${subject.kind}:${subject.id}`;
}
