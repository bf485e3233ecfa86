import { AppError } from '../../../common/errors/app-error.js';
import { jsonObjectBody } from '../../../common/http/json-body.js';
import type { JsonSchema } from '../../../common/http/openapi.js';
import { NOTIFIER_CHANNELS } from '../../plugins/plugin-contract.js';
import type { NotificationRecord, RecordStatus } from '../notification.types.js';
import type { TemplateSendInput, TemplateSendResult } from '../template-send.service.js';
import type { NotificationTemplate, TemplateInput, TemplateListQuery } from '../templates/template.types.js';

/**
 * Seed 002's REST shapes (snake_case JSON) to and from the domain, and their JSON Schemas for the
 * OpenAPI document — beside each other, so a field added to one is seen missing from the other.
 * Like protobuf decoding on gRPC, the mapping checks only the shape (an object, known fields);
 * what the values mean is the services' to check, with the same codes on every transport.
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

/** Fields a client may send back from a GET unchanged (a read-modify-write PUT); they are ignored. */
const READ_ONLY_TEMPLATE_FIELDS = ['id', 'version', 'created_at', 'updated_at'];
const WRITABLE_TEMPLATE_FIELDS = ['name', 'type', 'language', 'trigger_event', 'subject', 'title', 'content'];

/**
 * POST /templates and PUT /templates/{id}. `title` is accepted as another name for `subject` (the
 * subject of an email is the title of a push or chat message); an unknown field is refused rather
 * than ignored, so a misspelt one is not silently lost.
 */
export function fromTemplateBody(parsed: unknown, contentType: string | undefined): TemplateInput {
  const body = jsonObjectBody(parsed, contentType, 'a notification template');
  const unknown = Object.keys(body).filter((k) => !WRITABLE_TEMPLATE_FIELDS.includes(k) && !READ_ONLY_TEMPLATE_FIELDS.includes(k));
  const violations = unknown.slice(0, 20).map((k) => ({ field: k.slice(0, 64), message: `is not a template field (fields: ${WRITABLE_TEMPLATE_FIELDS.join(', ')})` }));
  if (body.subject !== undefined && body.title !== undefined && body.subject !== body.title) {
    violations.push({ field: 'title', message: 'is another name for subject: send one of them' });
  }
  if (violations.length > 0) throw AppError.validation(violations);
  const input: TemplateInput = {};
  if ('name' in body) input.name = body.name;
  if ('type' in body) input.type = body.type;
  if ('language' in body) input.language = body.language;
  if ('trigger_event' in body) input.triggerEvent = body.trigger_event;
  if ('subject' in body || 'title' in body) input.subject = body.subject ?? body.title;
  if ('content' in body) input.content = body.content;
  return input;
}

/** `?page=2&page_size=50&type=email&trigger_event=user.created&language=vi`; digits become numbers, anything else is left for the service to refuse. */
export function fromTemplateListQuery(query: Record<string, unknown>): TemplateListQuery {
  const integer = (v: unknown) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v);
  return { page: integer(query.page), pageSize: integer(query.page_size), type: query.type, triggerEvent: query.trigger_event, language: query.language };
}

// ---- send ----

export interface SendAcceptedBody {
  status: 'queued';
  notification_id: string;
  /** Only for a scheduled send. */
  send_at?: string;
}

export function fromSendBody(parsed: unknown, contentType: string | undefined): TemplateSendInput {
  const body = jsonObjectBody(parsed, contentType, 'a send request');
  const known = ['template_id', 'recipient', 'channel', 'params', 'send_at'];
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw AppError.validation(unknown.slice(0, 20).map((k) => ({ field: k.slice(0, 64), message: `is not a send field (fields: ${known.join(', ')})` })));
  }
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

const TEMPLATE_WRITE_PROPERTIES: Record<string, JsonSchema> = {
  name: { type: 'string', minLength: 1 },
  type: { type: 'string', enum: [...NOTIFIER_CHANNELS] },
  language: { type: 'string', description: 'Default: DEFAULT_LANGUAGE (en).' },
  trigger_event: nullableString('An event type of the catalog; its payload schema must have every placeholder.'),
  subject: nullableString('Subject/title template.'),
  title: nullableString('Another name for subject.'),
  content: { type: 'string', minLength: 1 },
};

export const CREATE_TEMPLATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'type', 'content'],
  properties: TEMPLATE_WRITE_PROPERTIES,
  examples: [{ name: 'reset_sms', type: 'sms', language: 'vi', trigger_event: 'password.reset_requested', content: 'Mã xác thực của bạn là: {{code}}' }],
};

export const UPDATE_TEMPLATE_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The fields to change; those not sent keep their value (id, version, created_at and updated_at are ignored).',
  properties: TEMPLATE_WRITE_PROPERTIES,
};

export const TEMPLATE_LIST_SCHEMA: JsonSchema = { type: 'array', items: TEMPLATE_SCHEMA };

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

export const SEND_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['template_id'],
  properties: {
    template_id: { type: 'string', format: 'uuid' },
    recipient: { type: 'string', description: 'Email address, phone number or user id; absent: the notifier\'s default recipient.' },
    channel: { type: 'string', enum: [...NOTIFIER_CHANNELS], description: 'Default: the template\'s type; must match it.' },
    params: { type: 'object', description: 'The template\'s parameters.' },
    send_at: { type: 'string', format: 'date-time', description: 'Deliver no earlier than this (RFC 3339, in the future, at most MAX_SCHEDULE_DAYS ahead); absent: now.' },
  },
  examples: [{ template_id: '0190a3a8-7b1c-7cc1-9e0a-3f1f1b2c3d4e', recipient: 'student@vas.edu.vn', channel: 'email', params: { name: 'Nguyễn Văn A' } }],
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
