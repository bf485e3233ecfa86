import { AppError } from '../../../common/errors/app-error.js';
import { jsonObjectBody } from '../../../common/http/json-body.js';
import { isJsonObject } from '../../../common/validation/validators.js';
import type { JsonSchema } from '../../../common/http/openapi.js';
import { NOTIFIER_CHANNELS } from '../../plugins/plugin-contract.js';
import type { NotificationSettings, NotificationSettingsInput } from '../notification-settings.types.js';

/**
 * `/me/notification-settings` and `/users/{id}/notification-settings` (issue 12) in seed 002's
 * snake_case, with their JSON Schemas. Shape only: NotificationSettingsService checks the values.
 */

export interface NotificationSettingsBody {
  user: string | null;
  address: string | null;
  channels: { channel: string; enabled: boolean; target: string | null }[];
  muted_events: { event_type: string; channels: string[] }[];
  updated_at: string | null;
}

export function toSettingsBody(s: NotificationSettings): NotificationSettingsBody {
  return {
    user: s.subject.kind === 'user' ? s.subject.id : null,
    address: s.subject.kind === 'address' ? s.subject.id : null,
    channels: s.channels.map((c) => ({ channel: c.channel, enabled: c.enabled, target: c.target })),
    muted_events: s.mutedEvents.map((m) => ({ event_type: m.eventType, channels: [...m.channels] })),
    updated_at: s.updatedAt?.toISOString() ?? null,
  };
}

const WRITABLE = ['channels', 'muted_events'];
/** Sent back from a GET unchanged (read-modify-write); ignored. */
const READ_ONLY = ['user', 'address', 'updated_at'];

export function fromSettingsBody(parsed: unknown, contentType: string | undefined): NotificationSettingsInput {
  const body = jsonObjectBody(parsed, contentType, 'notification settings');
  const unknown = Object.keys(body).filter((k) => !WRITABLE.includes(k) && !READ_ONLY.includes(k));
  if (unknown.length > 0) {
    throw AppError.validation(unknown.slice(0, 20).map((k) => ({ field: k.slice(0, 64), message: `is not a settings field (fields: ${WRITABLE.join(', ')})` })));
  }
  const muted = Array.isArray(body.muted_events)
    ? body.muted_events.map((m: unknown) => (isJsonObject(m) ? { eventType: m.event_type, channels: m.channels } : m))
    : body.muted_events;
  return { channels: body.channels, mutedEvents: muted };
}

const CHANNEL_SETTING: JsonSchema = {
  type: 'object',
  required: ['channel'],
  properties: {
    channel: { type: 'string', enum: [...NOTIFIER_CHANNELS] },
    enabled: { type: 'boolean', default: true, description: 'false: nothing by this channel (except events that cannot be opted out of).' },
    target: {
      type: ['string', 'null'],
      description: 'The recipient\'s own target: an http(s) URL for webhook and chat (a personal Feishu bot webhook; private and loopback addresses are refused unless PLUGIN_HTTP_ALLOW lists the host), an email address for email, a phone number for sms; none for push.',
    },
  },
};

const EVENT_OPT_OUT: JsonSchema = {
  type: 'object',
  required: ['event_type'],
  properties: {
    event_type: { type: 'string', description: 'An event type of the catalog; password.reset_requested and order_paid cannot be muted (notif.event_not_mutable).' },
    channels: { type: 'array', items: { type: 'string', enum: [...NOTIFIER_CHANNELS] }, description: 'Muted on these channels only; absent or empty: every channel.' },
  },
};

export const SETTINGS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['user', 'address', 'channels', 'muted_events', 'updated_at'],
  properties: {
    user: { type: ['string', 'null'], description: 'The user id the settings belong to.' },
    address: { type: ['string', 'null'], description: 'For a recipient known only by address.' },
    channels: { type: 'array', items: CHANNEL_SETTING },
    muted_events: { type: 'array', items: EVENT_OPT_OUT },
    updated_at: { type: ['string', 'null'], format: 'date-time', description: 'null: never saved (the defaults).' },
  },
};

export const UPDATE_SETTINGS_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Replaces the whole settings: a channel or event not listed goes back to its default (on, not muted).',
  properties: { channels: { type: 'array', items: CHANNEL_SETTING }, muted_events: { type: 'array', items: EVENT_OPT_OUT } },
  examples: [{ channels: [{ channel: 'chat', enabled: true, target: 'https://open.feishu.cn/open-apis/bot/v2/hook/<token>' }], muted_events: [{ event_type: 'ticket_replied', channels: ['chat'] }] }],
};
