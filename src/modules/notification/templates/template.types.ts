import type { NotifierChannel } from '../../plugins/plugin-contract.js';

/**
 * Seed 002's NotificationTemplate. `type` is seed 002's enum (email, sms, push) widened to every
 * notifier channel (webhook, chat): a template is for one channel type.
 */
export type TemplateType = NotifierChannel;

export interface NotificationTemplate {
  id: string;
  name: string;
  type: TemplateType;
  /** BCP 47-ish language tag, lower-cased (`vi`, `en`, `pt-br`). */
  language: string;
  /** The event type that selects this template in the planner; null = only for manual sends. */
  triggerEvent: string | null;
  /** The subject (email) or title (other channels); null = the catalog's default title. */
  subject: string | null;
  content: string;
  /** 1 on create, +1 on every update that changes what renders (subject, content). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Something a saved template should know but that does not stop it being saved: today, that it
 * prints placeholders its trigger event's payload does not have (templateWarnings).
 */
export interface TemplateWarning {
  code: 'notif.template_placeholder_not_in_event';
  /** `subject` or `content`. */
  field: 'subject' | 'content';
  /** The names printed that the payload schema does not have. */
  placeholders: string[];
  event: string;
  /** The top-level fields the event's payload has. */
  offered: string[];
  message: string;
}

/** A create or update as a transport hands it over (snake_case already mapped), unchecked. */
export interface TemplateInput {
  name?: unknown;
  type?: unknown;
  language?: unknown;
  triggerEvent?: unknown;
  subject?: unknown;
  content?: unknown;
}

/** A listing request as a transport hands it over, unchecked (page from 1; page_size default 20, max 100). */
export interface TemplateListQuery {
  page?: unknown;
  pageSize?: unknown;
  type?: unknown;
  triggerEvent?: unknown;
  language?: unknown;
}

export interface TemplatePage {
  items: NotificationTemplate[];
  total: number;
  page: number;
  pageSize: number;
}

/** A template rendered with its params: what a record stores. */
export interface RenderedTemplate {
  title: string;
  body: string;
  templateId: string | null;
  templateVersion: number | null;
}

/**
 * A preview (render without sending) as a transport hands it over, unchecked: a stored template
 * (`templateId`), or a text given here (`content`, optional `subject`, `channel` — default email —
 * and `triggerEvent` for the placeholder check), rendered with `params`.
 */
export interface TemplatePreviewInput {
  templateId?: unknown;
  content?: unknown;
  subject?: unknown;
  channel?: unknown;
  triggerEvent?: unknown;
  params?: unknown;
}
