import { defineCommand, type JsonSchema } from '../../../common/validation/command-schema.js';
import { UUID_PATTERN } from '../../../common/validation/validators.js';
import { LANGUAGE_TAG } from '../../../config/app-config.js';
import { EVENT_TYPES } from '../../events/event-catalog.js';
import { NOTIFIER_CHANNELS } from '../../plugins/plugin-contract.js';
import { SETTINGS_LIMITS } from '../settings/notification-settings.service.js';
import { IDEMPOTENCY_KEY, TEMPLATE_SEND_LIMITS } from '../direct-send/template-send.service.js';
import { TEMPLATE_LIMITS, TEMPLATE_NAME_PATTERN } from '../templates/template-rules.js';

/**
 * The notification module's REST commands, one JSON Schema each: what the REST validator runs and
 * what /openapi.json publishes (src/common/validation/command-schema.ts). The limits are the
 * services' own constants, which the services still enforce on gRPC and GraphQL; the catalog and
 * channel lists are the same lists. Rules that need the store or the clock (a taken name, a
 * placeholder the event lacks, a time in the future) are the services'. A null is accepted only
 * where it means something (clearing trigger_event or subject); elsewhere leave the field out.
 */

const text = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
const nullable = (schema: JsonSchema, description: string): JsonSchema => ({ ...schema, type: [schema.type, 'null'], description });

// ---- templates ----

const TEMPLATE_WRITE_PROPERTIES: Record<string, JsonSchema> = {
  name: text({ minLength: 1, maxLength: TEMPLATE_LIMITS.name, pattern: TEMPLATE_NAME_PATTERN, description: 'Unique; letters, digits, "_", "." and "-".' }),
  type: { type: 'string', enum: [...NOTIFIER_CHANNELS] },
  language: text({ maxLength: TEMPLATE_LIMITS.language, pattern: LANGUAGE_TAG.source, description: 'A language tag (`vi`, `pt-BR`, stored lower-cased). Default: DEFAULT_LANGUAGE.' }),
  trigger_event: { type: ['string', 'null'], enum: [...EVENT_TYPES, null], description: 'An event type of the catalog; its payload schema must have every placeholder. null: manual sends only.' },
  subject: nullable(text({ maxLength: TEMPLATE_LIMITS.subject }), 'Subject (email) or title template, `{{param}}` placeholders. null: the event\'s default title.'),
  title: nullable(text({ maxLength: TEMPLATE_LIMITS.subject }), 'Another name for subject (send one of them); null counts as not sent.'),
  content: text({ minLength: 1, pattern: '\\S', maxLength: TEMPLATE_LIMITS.contentBytes, description: 'The body, `{{param}}` placeholders (mustache); at most 100 KB of UTF-8.' }),
};

/** Sent back from a GET unchanged (a read-modify-write PUT): accepted and ignored. */
const TEMPLATE_READ_ONLY_PROPERTIES: Record<string, JsonSchema> = {
  id: { type: 'string', description: 'Ignored.' },
  version: { type: 'integer', description: 'Ignored.' },
  created_at: { type: 'string', description: 'Ignored.' },
  updated_at: { type: 'string', description: 'Ignored.' },
};

export interface TemplateCommand {
  name?: string;
  type?: string;
  language?: string;
  trigger_event?: string | null;
  subject?: string | null;
  title?: string | null;
  content?: string;
}

export const CREATE_TEMPLATE = defineCommand<TemplateCommand>('createTemplate', {
  type: 'object',
  required: ['name', 'type', 'content'],
  properties: TEMPLATE_WRITE_PROPERTIES,
  additionalProperties: false,
  examples: [{ name: 'reset_sms', type: 'sms', language: 'vi', trigger_event: 'password.reset_requested', content: 'Mã xác thực của bạn là: {{code}}' }],
});

export const UPDATE_TEMPLATE = defineCommand<TemplateCommand>('updateTemplate', {
  type: 'object',
  description: 'The fields to change; those not sent keep their value. id, version, created_at and updated_at are accepted and ignored, so a client can PUT back what it read.',
  properties: { ...TEMPLATE_WRITE_PROPERTIES, ...TEMPLATE_READ_ONLY_PROPERTIES },
  additionalProperties: false,
});

/** `GET /templates` query parameters, as the OpenAPI document declares them (values arrive as text). */
export const TEMPLATE_LIST_PARAMETERS: Record<string, JsonSchema> = {
  page: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
  page_size: { type: 'integer', minimum: 1, maximum: TEMPLATE_LIMITS.pageSize, default: TEMPLATE_LIMITS.defaultPageSize },
  type: { type: 'string', enum: [...NOTIFIER_CHANNELS] },
  trigger_event: { type: 'string', maxLength: 100 },
  language: { type: 'string', maxLength: TEMPLATE_LIMITS.language, pattern: LANGUAGE_TAG.source },
};

export interface TemplateListCommand {
  page?: number;
  page_size?: number;
  type?: string;
  trigger_event?: string;
  language?: string;
}

export const LIST_TEMPLATES = defineCommand<TemplateListCommand>('listTemplates', {
  type: 'object',
  properties: TEMPLATE_LIST_PARAMETERS,
  additionalProperties: false,
});

// ---- send ----

export interface SendCommand {
  template_id: string;
  recipient?: string;
  channel?: string;
  params?: Record<string, unknown>;
  send_at?: string;
}

export const SEND = defineCommand<SendCommand>('sendNotification', {
  type: 'object',
  required: ['template_id'],
  properties: {
    template_id: text({ format: 'uuid', pattern: UUID_PATTERN }),
    recipient: text({ minLength: 1, maxLength: TEMPLATE_SEND_LIMITS.recipient, pattern: '^\\S(.*\\S)?$', description: 'Email address, phone number or user id; absent: the notifier\'s default recipient.' }),
    channel: { type: 'string', enum: [...NOTIFIER_CHANNELS], description: 'Default: the template\'s type; must match it.' },
    params: { type: 'object', description: 'The template\'s parameters.' },
    send_at: text({ format: 'date-time', description: 'Deliver no earlier than this (RFC 3339, in the future, at most MAX_SCHEDULE_DAYS ahead); absent: now.' }),
  },
  additionalProperties: false,
  examples: [{ template_id: '0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e', recipient: 'student@vas.edu.vn', channel: 'email', params: { name: 'Nguyễn Văn A' } }],
});

export const IDEMPOTENCY_KEY_SCHEMA: JsonSchema = { type: 'string', pattern: IDEMPOTENCY_KEY.source };

// ---- recipient settings ----

const CHANNEL_SETTING: JsonSchema = {
  type: 'object',
  required: ['channel'],
  properties: {
    channel: { type: 'string', enum: [...NOTIFIER_CHANNELS] },
    enabled: { type: 'boolean', default: true, description: 'false: nothing by this channel (except events that cannot be opted out of).' },
    target: {
      type: ['string', 'null'],
      maxLength: SETTINGS_LIMITS.url,
      description:
        'The recipient\'s own target: an http(s) URL for webhook and chat (a personal Feishu bot webhook; a literal private or loopback address is refused unless PERSONAL_TARGET_ALLOW lists it, and every address the name resolves to is vetted again at delivery), an email address for email, a phone number for sms; none for push. null: none.',
    },
    signing_secret: {
      type: ['string', 'null'],
      readOnly: true,
      description:
        'webhook: the own target\'s signing secret (whsec_…, Standard Webhooks), in full only in the answer to the save or rotation that made it; null otherwise. Made by the server: a value sent is ignored.',
    },
  },
  additionalProperties: false,
};

const EVENT_OPT_OUT: JsonSchema = {
  type: 'object',
  required: ['event_type'],
  properties: {
    event_type: { type: 'string', enum: [...EVENT_TYPES], description: 'password.reset_requested and order_paid cannot be muted (notif.event_not_mutable).' },
    channels: { type: 'array', items: { type: 'string', enum: [...NOTIFIER_CHANNELS] }, description: 'Muted on these channels only; absent or empty: every channel.' },
  },
  additionalProperties: false,
};

export const CHANNEL_SETTING_SCHEMA = CHANNEL_SETTING;
export const EVENT_OPT_OUT_SCHEMA = EVENT_OPT_OUT;

export interface SettingsCommand {
  channels?: { channel: string; enabled?: boolean; target?: string | null; signing_secret?: string | null }[];
  muted_events?: { event_type: string; channels?: string[] }[];
}

export const UPDATE_SETTINGS = defineCommand<SettingsCommand>('replaceSettings', {
  type: 'object',
  description: 'Replaces the whole settings: a channel or event not listed goes back to its default (on, not muted). user, address and updated_at (as a GET answers them) are accepted and ignored.',
  properties: {
    channels: { type: 'array', items: CHANNEL_SETTING },
    muted_events: { type: 'array', maxItems: SETTINGS_LIMITS.mutedEvents, items: EVENT_OPT_OUT },
    user: { type: ['string', 'null'], description: 'Ignored.' },
    address: { type: ['string', 'null'], description: 'Ignored.' },
    updated_at: { type: ['string', 'null'], description: 'Ignored.' },
  },
  additionalProperties: false,
  examples: [{ channels: [{ channel: 'chat', enabled: true, target: 'https://open.feishu.cn/open-apis/bot/v2/hook/<token>' }], muted_events: [{ event_type: 'ticket_replied', channels: ['chat'] }] }],
});
