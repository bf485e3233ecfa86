import type { JsonSchema } from '../../../common/validation/command-schema.js';
import { CHANNEL_SETTING_SCHEMA, EVENT_OPT_OUT_SCHEMA, type SettingsCommand } from './notification.http-commands.js';
import type { NotificationSettings, NotificationSettingsInput } from '../settings/notification-settings.types.js';

/**
 * `/me/notification-settings` and `/users/{id}/notification-settings` in seed 002's
 * snake_case, with their JSON Schemas. Shape only: NotificationSettingsService checks the values.
 */

export interface NotificationSettingsBody {
  user: string | null;
  address: string | null;
  channels: { channel: string; enabled: boolean; target: string | null; signing_secret: string | null }[];
  muted_events: { event_type: string; channels: string[] }[];
  updated_at: string | null;
}

export function toSettingsBody(s: NotificationSettings): NotificationSettingsBody {
  return {
    user: s.subject.kind === 'user' ? s.subject.id : null,
    address: s.subject.kind === 'address' ? s.subject.id : null,
    channels: s.channels.map((c) => ({ channel: c.channel, enabled: c.enabled, target: c.target, signing_secret: c.signingSecret ?? null })),
    muted_events: s.mutedEvents.map((m) => ({ event_type: m.eventType, channels: [...m.channels] })),
    updated_at: s.updatedAt?.toISOString() ?? null,
  };
}

/** As UPDATE_SETTINGS parsed it; user, address and updated_at (read-only, sent back from a GET) are dropped. */
export function fromSettingsBody(body: SettingsCommand): NotificationSettingsInput {
  const muted = body.muted_events?.map((m) => ({ eventType: m.event_type, channels: m.channels }));
  return { channels: body.channels, mutedEvents: muted };
}

export const SETTINGS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['user', 'address', 'channels', 'muted_events', 'updated_at'],
  properties: {
    user: { type: ['string', 'null'], description: 'The user id the settings belong to.' },
    address: { type: ['string', 'null'], description: 'For a recipient known only by address.' },
    channels: { type: 'array', items: CHANNEL_SETTING_SCHEMA },
    muted_events: { type: 'array', items: EVENT_OPT_OUT_SCHEMA },
    updated_at: { type: ['string', 'null'], format: 'date-time', description: 'null: never saved (the defaults).' },
  },
};
