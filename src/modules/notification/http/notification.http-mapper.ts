import { AppError } from '../../../common/errors/app-error.js';
import type { JsonSchema } from '../../../common/validation/command-schema.js';
import { LIST_TEMPLATES, type SendCommand, type TemplateCommand } from './notification.http-commands.js';
import { NOTIFIER_CHANNELS } from '../../plugins/plugin-contract.js';
import type { NotificationRecord, RecordStatus } from '../notification.types.js';
import type { TemplateSendInput, TemplateSendResult } from '../direct-send/template-send.service.js';
import type { NotificationTemplate, TemplateInput, TemplateListQuery } from '../templates/template.types.js';

/**
 * Seed 002's REST shapes (snake_case JSON) to and from the domain, and the response schemas for
 * the OpenAPI document — beside each other, so a field added to one is seen missing from the
 * other. Requests arrive parsed by their command schemas (notification.http-commands.ts); what the
 * values mean against the store is the services' to check, with the same codes on every transport.
 */

// ---- templates ----

export interface TemplateBody {
  id: string;
  name: string;
  type: string;
  language: string;
  trigger_event: string | null;
  subject: string | null;
  content: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export function toTemplateBody(t: NotificationTemplate): TemplateBody {
  return {
    id: t.id,
    name: t.name,
    type: t.type,
    language: t.language,
    trigger_event: t.triggerEvent,
    subject: t.subject,
    content: t.content,
    version: t.version,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

/**
 * POST /templates and PUT /templates/{id}, as CREATE_TEMPLATE / UPDATE_TEMPLATE parsed them (only
 * known fields, each of its type). `title` is another name for `subject` (the subject of an email
 * is the title of a push or chat message); a null title counts as not sent, so only two different
 * texts are a conflict.
 */
export function fromTemplateBody(body: TemplateCommand): TemplateInput {
  const title = body.title ?? undefined;
  if (body.subject !== undefined && title !== undefined && body.subject !== title) {
    throw AppError.invalidField('title', 'is another name for subject: send one of them');
  }
  const input: TemplateInput = {};
  if (body.name !== undefined) input.name = body.name;
  if (body.type !== undefined) input.type = body.type;
  if (body.language !== undefined) input.language = body.language;
  if (body.trigger_event !== undefined) input.triggerEvent = body.trigger_event;
  if (body.subject !== undefined || title !== undefined) input.subject = body.subject !== undefined ? body.subject : title;
  if (body.content !== undefined) input.content = body.content;
  return input;
}

/** `?page=2&page_size=50&type=email&trigger_event=user.created&language=vi`, checked by LIST_TEMPLATES once digits are numbers. */
export function fromTemplateListQuery(query: Record<string, unknown>): TemplateListQuery {
  const integer = (v: unknown) => (typeof v === 'string' && /^-?\d{1,9}$/.test(v) ? Number(v) : v);
  const given = Object.fromEntries(Object.entries({ ...query, page: integer(query.page), page_size: integer(query.page_size) }).filter(([, v]) => v !== undefined));
  const q = LIST_TEMPLATES.parse(given);
  return { page: q.page, pageSize: q.page_size, type: q.type, triggerEvent: q.trigger_event, language: q.language };
}

// ---- send ----

export interface SendAcceptedBody {
  status: 'queued';
  notification_id: string;
  /** Only for a scheduled send. */
  send_at?: string;
}

export function fromSendBody(body: SendCommand): TemplateSendInput {
  return { templateId: body.template_id, recipient: body.recipient, channel: body.channel, params: body.params, sendAt: body.send_at };
}

export function toSendAccepted(r: TemplateSendResult): SendAcceptedBody {
  return { status: r.status, notification_id: r.notificationId, ...(r.sendAt ? { send_at: r.sendAt.toISOString() } : {}) };
}

// ---- notification status ----

/** Seed 002's status enum. */
export type SeedStatus = 'queued' | 'sent' | 'failed';

/**
 * The record's state onto seed 002's three: still to be (re)tried is `queued` (a temporary
 * failure waits for its next attempt), delivered is `sent`, and given up on — dead after its
 * attempts, or skipped because it could not be sent at all — is `failed`. The record's own state
 * is given beside it as `state`.
 */
export const SEED_STATUS_OF: Record<RecordStatus, SeedStatus> = {
  queued: 'queued',
  sending: 'queued',
  failed: 'queued',
  sent: 'sent',
  dead: 'failed',
  skipped: 'failed',
  cancelled: 'failed',
};

export interface NotificationStatusBody {
  notification_id: string;
  status: SeedStatus;
  state: RecordStatus;
  channel: string;
  channel_id: string;
  channel_name: string;
  recipient: string | null;
  event_type: string;
  template_id: string | null;
  template_version: number | null;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_error: { code: string | null; message: string | null } | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

/** The status of a record — not its title or body, which may carry what only the recipient should read (a reset code). */
export function toNotificationStatus(r: NotificationRecord): NotificationStatusBody {
  const pending = r.status === 'queued' || r.status === 'failed';
  return {
    notification_id: r.id,
    status: SEED_STATUS_OF[r.status],
    state: r.status,
    channel: r.channelType,
    channel_id: r.interfaceId,
    channel_name: r.channelName,
    recipient: r.recipient,
    event_type: r.eventType,
    template_id: r.templateId,
    template_version: r.templateVersion,
    attempts: r.attemptCount,
    max_attempts: r.maxAttempts,
    next_attempt_at: pending ? r.nextAttemptAt.toISOString() : null,
    last_error: r.lastErrorCode || r.lastErrorMessage ? { code: r.lastErrorCode, message: r.lastErrorMessage } : null,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    sent_at: r.sentAt?.toISOString() ?? null,
  };
}

// ---- JSON Schemas (OpenAPI 3.1) ----

const nullableString = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: ['string', 'null'], description, ...extra });
const DATE_TIME: JsonSchema = { type: 'string', format: 'date-time' };

const TEMPLATE_PROPERTIES: Record<keyof TemplateBody, JsonSchema> = {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string', description: 'Unique.' },
    type: { type: 'string', enum: [...NOTIFIER_CHANNELS], description: 'The channel type (seed 002: email, sms, push; and webhook, chat).' },
    language: { type: 'string', examples: ['vi', 'en'] },
    trigger_event: nullableString('The event type that selects this template (`user.created`); null: manual sends only.'),
    subject: nullableString('Email subject, or the title on other channels; `{{param}}` placeholders. null: the event\'s default title.'),
    content: { type: 'string', description: 'The body, with `{{param}}` placeholders (mustache).' },
    version: { type: 'integer', minimum: 1, description: 'Raised when subject or content change; records keep the version they were rendered from.' },
    created_at: DATE_TIME,
    updated_at: DATE_TIME,
};

export const TEMPLATE_SCHEMA: JsonSchema = { type: 'object', required: Object.keys(TEMPLATE_PROPERTIES), properties: TEMPLATE_PROPERTIES };

export const TEMPLATE_LIST_SCHEMA: JsonSchema = { type: 'array', items: TEMPLATE_SCHEMA };

/** One template's meta: the success meta and what the template should know (placeholders its trigger event lacks). */
export const TEMPLATE_META_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['request_id', 'timestamp', 'warnings'],
  properties: {
    request_id: { type: 'string' },
    timestamp: DATE_TIME,
    warnings: {
      type: 'array',
      description: 'Saved all the same. notif.template_placeholder_not_in_event: the template prints placeholders its trigger event\'s payload does not have; a manual send must give them, an event without them gets a skipped record (template_param_missing).',
      items: {
        type: 'object',
        required: ['code', 'field', 'placeholders', 'event', 'offered', 'message'],
        properties: {
          code: { type: 'string', enum: ['notif.template_placeholder_not_in_event'] },
          field: { type: 'string', enum: ['subject', 'content'] },
          placeholders: { type: 'array', items: { type: 'string' }, description: 'The printed names the payload does not have.' },
          event: { type: 'string', description: 'The trigger event.' },
          offered: { type: 'array', items: { type: 'string' }, description: 'The fields the trigger event\'s payload has.' },
          message: { type: 'string' },
        },
      },
    },
  },
};

export const TEMPLATE_PAGE_META_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['request_id', 'timestamp', 'page', 'page_size', 'total'],
  properties: {
    request_id: { type: 'string' },
    timestamp: DATE_TIME,
    page: { type: 'integer', minimum: 1 },
    page_size: { type: 'integer', minimum: 1 },
    total: { type: 'integer', minimum: 0, description: 'Templates matching the filters, on all pages.' },
  },
};

export const SEND_ACCEPTED_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['status', 'notification_id'],
  properties: { status: { const: 'queued' }, notification_id: { type: 'string', format: 'uuid' }, send_at: { type: 'string', format: 'date-time', description: 'Only for a scheduled send.' } },
};

const NOTIFICATION_STATUS_PROPERTIES: Record<keyof NotificationStatusBody, JsonSchema> = {
    notification_id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['queued', 'sent', 'failed'], description: 'Seed 002\'s status.' },
    state: { type: 'string', enum: Object.keys(SEED_STATUS_OF), description: 'The record\'s own state (queued, sending and failed-to-retry are status queued; dead and skipped are failed).' },
    channel: { type: 'string', enum: [...NOTIFIER_CHANNELS] },
    channel_id: { type: 'string', format: 'uuid' },
    channel_name: { type: 'string' },
    recipient: { type: ['string', 'null'] },
    event_type: { type: 'string' },
    template_id: { type: ['string', 'null'], format: 'uuid' },
    template_version: { type: ['integer', 'null'] },
    attempts: { type: 'integer', minimum: 0 },
    max_attempts: { type: 'integer', minimum: 1 },
    next_attempt_at: { type: ['string', 'null'], format: 'date-time' },
    last_error: { type: ['object', 'null'], properties: { code: { type: ['string', 'null'] }, message: { type: ['string', 'null'] } } },
    created_at: DATE_TIME,
    updated_at: DATE_TIME,
    sent_at: { type: ['string', 'null'], format: 'date-time' },
};

export const NOTIFICATION_STATUS_SCHEMA: JsonSchema = {
  type: 'object',
  required: Object.keys(NOTIFICATION_STATUS_PROPERTIES),
  properties: NOTIFICATION_STATUS_PROPERTIES,
};
