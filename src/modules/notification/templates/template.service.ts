import type { EntityManager } from 'typeorm';
import { Inject, Injectable } from '@nestjs/common';
import { CoalescedRead } from '../../../common/database/coalesced-read.js';
import { AppError } from '../../../common/errors/app-error.js';
import { IdGenerator } from '../../../common/id-generator.js';
import { APP_CONFIG } from '../../../common/tokens.js';
import type { AppConfig } from '../../../config/app-config.js';
import { catalogEntry, EVENT_CATALOG, isEventType } from '../../events/event-catalog.js';
import { isNotifierChannel, NOTIFIER_CHANNELS, type NotifierChannel } from '../../plugins/plugin-contract.js';
import { TemplateRepository, type TemplateVersion } from './template.repository.js';
import type { NotificationTemplate, RenderedTemplate, TemplateInput, TemplateListQuery, TemplatePage, TemplatePreviewInput, TemplateWarning } from './template.types.js';
import { escapesHtml, isParams, RenderLimitExceeded, renderTokens, type RenderLimits, type Tokens } from './template-renderer.js';
import { checkId, checkListQuery, checkTemplate, checkTexts, languageFallback, templateWarnings } from './template-rules.js';

/** A template with its texts parsed, as the index and the render cache keep it. */
interface Compiled {
  template: NotificationTemplate;
  subject: Tokens | null;
  content: Tokens;
}

/** Parsed texts kept for templates rendered outside the index (templated sends on the api role). */
const RENDER_CACHE = 1_000;

/**
 * Seed 002's notification templates: the store (list, get, create, partial update with a version
 * history), rendering with params, previews, and the planner's look-up by (event type, channel
 * type, language) with language fallback.
 *
 * The planner's look-up is on the delivery hot path, so every template is kept in memory, parsed
 * (`forEvent` is synchronous); `refresh()` — once per outbox batch — compares the table's version
 * counter (raised by a trigger on every write, from any process) in one primary-key read and
 * reloads everything only when it moved. A template saved on an api replica is used by the
 * worker's next batch.
 *
 * Deliberately not here: choosing a notifier and queueing a send (TemplateSendService), what a
 * failed render means for an event's notification (MessageComposer), transports.
 */
@Injectable()
export class TemplateService {
  private index: { version: string; byKey: Map<string, Compiled> } | null = null;
  private readonly compiled = new Map<string, Compiled>();
  private readonly tableVersion = new CoalescedRead(() => this.repository.tableVersion());
  private reload: Promise<void> | null = null;

  constructor(
    private readonly repository: TemplateRepository,
    private readonly ids: IdGenerator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: TemplateListQuery): Promise<TemplatePage> {
    const { page, pageSize, ...filter } = checkListQuery(query);
    const { items, total } = await this.repository.page(filter, (page - 1) * pageSize, pageSize);
    return { items, total, page, pageSize };
  }

  async get(id: unknown): Promise<NotificationTemplate> {
    const template = await this.repository.findById(checkId(id));
    if (!template) throw notFound(id as string);
    return template;
  }

  /** The text a template had at one version (a record's template_id/template_version); null when there is none. */
  async version(id: unknown, version: number): Promise<TemplateVersion | null> {
    return this.repository.findVersion(checkId(id), version);
  }

  /** Every version of a template, oldest first. */
  async history(id: unknown): Promise<TemplateVersion[]> {
    const template = await this.get(id);
    return this.repository.versions(template.id);
  }

  async create(input: TemplateInput): Promise<NotificationTemplate> {
    const fields = checkTemplate(input ?? {}, null, this.config.templates.defaultLanguage);
    return this.repository.insert(this.ids.uuid(), fields);
  }

  /** A partial update (seed 002's PUT): omitted fields keep their value; a new subject or content is a new version. */
  async update(id: unknown, input: TemplateInput): Promise<NotificationTemplate> {
    const templateId = checkId(id);
    const updated = await this.repository.update(templateId, (current) => checkTemplate(input ?? {}, current, this.config.templates.defaultLanguage));
    if (!updated) throw notFound(templateId);
    return updated;
  }

  /**
   * The template rendered with params (a JSON object): the body HTML-escaped for email, verbatim
   * for the other channels, the subject never escaped and, without a subject, the catalog's
   * default title of the trigger event. A printed name with no value is
   * `notif.template_param_missing` naming every such name.
   */
  render(template: NotificationTemplate, params: unknown): RenderedTemplate {
    if (!isParams(params)) throw AppError.invalidField('params', 'must be a JSON object');
    return renderCompiled(this.compile(template), params, this.config.templates.render);
  }

  /**
   * Renders without sending: a stored template (`templateId`) or a text given in the request
   * (`content`, optional `subject`, `channel` — default email — and `triggerEvent`, checked as a
   * template being saved would be).
   */
  /** What the template should know but that did not stop it being saved (placeholders its trigger event lacks). */
  warnings(template: Pick<NotificationTemplate, 'triggerEvent' | 'subject' | 'content'>): TemplateWarning[] {
    return templateWarnings(template);
  }

  async preview(input: TemplatePreviewInput): Promise<RenderedTemplate> {
    const given = (value: unknown): boolean => value !== undefined && value !== null;
    if (given(input.templateId)) {
      if (given(input.content) || given(input.subject)) throw AppError.invalidField('content', 'give either templateId or content, not both');
      const template = await this.get(input.templateId);
      if (given(input.channel) && input.channel !== template.type) {
        throw AppError.invalidField('channel', `template ${template.name} is a ${template.type} template`);
      }
      return this.render(template, input.params);
    }
    if (!given(input.content)) throw AppError.invalidField('content', 'is required when no templateId is given');
    if (given(input.channel) && !isNotifierChannel(input.channel)) throw AppError.invalidField('channel', `must be one of ${NOTIFIER_CHANNELS.join(', ')}`);
    const now = new Date(0);
    const fields = checkTemplate(
      { name: 'preview', type: input.channel ?? 'email', content: input.content, subject: input.subject, triggerEvent: input.triggerEvent },
      null,
      this.config.templates.defaultLanguage,
    );
    const template: NotificationTemplate = { id: '', ...fields, name: '', version: 0, createdAt: now, updatedAt: now };
    if (!isParams(input.params)) throw AppError.invalidField('params', 'must be a JSON object');
    const { subject, content } = checkTexts(fields);
    return { ...renderCompiled({ template, subject, content }, input.params, this.config.templates.render), templateId: null, templateVersion: null };
  }

  /**
   * The template the planner uses for an event on a channel type in a language: the exact
   * language, else its primary subtag (`pt-br` → `pt`), else DEFAULT_LANGUAGE, else none. From
   * memory: call refresh() first (once per batch).
   */
  forEvent(triggerEvent: string, channel: NotifierChannel, language: string | null): NotificationTemplate | null {
    return this.compiledForEvent(triggerEvent, channel, language)?.template ?? null;
  }

  /** forEvent, then render with the event's data. */
  renderForEvent(triggerEvent: string, channel: NotifierChannel, language: string | null, params: Record<string, unknown>): RenderedTemplate | null {
    const compiled = this.compiledForEvent(triggerEvent, channel, language);
    return compiled ? renderCompiled(compiled, params, this.config.templates.render) : null;
  }

  /**
   * Brings the in-memory index up to date with the table when any process has written it since.
   * Given a transaction, reads in it, and on its own (a reload shared with callers outside it could
   * wait for the connection that transaction holds).
   */
  async refresh(tx?: EntityManager): Promise<void> {
    if (tx) {
      if (this.index?.version !== (await this.repository.tableVersion(tx))) await this.load(tx);
      return;
    }
    const version = await this.tableVersion.get();
    if (this.index?.version === version) return;
    this.reload ??= this.load().finally(() => (this.reload = null));
    await this.reload;
  }

  private async load(tx?: EntityManager): Promise<void> {
    const { version, templates } = await this.repository.all(tx);
    const byKey = new Map<string, Compiled>();
    for (const template of templates) {
      if (template.triggerEvent === null) continue;
      byKey.set(indexKey(template.triggerEvent, template.type, template.language), this.compile(template));
    }
    if (this.index === null || BigInt(version) >= BigInt(this.index.version)) this.index = { version, byKey };
  }

  private compiledForEvent(triggerEvent: string, channel: NotifierChannel, language: string | null): Compiled | null {
    const byKey = this.index?.byKey;
    if (!byKey || byKey.size === 0) return null;
    for (const candidate of languageFallback(language, this.config.templates.defaultLanguage)) {
      const found = byKey.get(indexKey(triggerEvent, channel, candidate));
      if (found) return found;
    }
    return null;
  }

  private compile(template: NotificationTemplate): Compiled {
    const key = `${template.id}:${template.version}`;
    const cached = this.compiled.get(key);
    // The texts themselves decide, not updated_at: a row edited by hand in SQL keeps its version.
    if (cached && cached.template.type === template.type && cached.template.subject === template.subject && cached.template.content === template.content) {
      return cached.template === template ? cached : { ...cached, template };
    }
    const { subject, content } = checkTextsForRender(template);
    const compiled = { template, subject, content };
    if (this.compiled.size >= RENDER_CACHE) this.compiled.clear();
    this.compiled.set(key, compiled);
    return compiled;
  }
}

/** Stored texts were checked when saved; a text that no longer parses (edited by hand in SQL) fails loudly here. */
function checkTextsForRender(template: NotificationTemplate): { subject: Tokens | null; content: Tokens } {
  // The placeholder check is for saving; a stored template renders whatever the event carries.
  return checkTexts({ type: template.type, subject: template.subject, content: template.content });
}

function renderCompiled({ template, subject, content }: Compiled, params: Record<string, unknown>, limits: RenderLimits): RenderedTemplate {
  let body: ReturnType<typeof renderTokens>;
  let title: ReturnType<typeof renderTokens> | null;
  try {
    body = renderTokens(content, template.content, params, escapesHtml(template.type), limits);
    title = subject === null ? null : renderTokens(subject, template.subject!, params, false, limits);
  } catch (err) {
    if (!(err instanceof RenderLimitExceeded)) throw err;
    throw new AppError('notif.template_too_large', `template ${template.name || '(preview)'}: ${err.message} with these params`, {
      template_id: template.id || null,
      limit: err.limit === 'outputChars' ? 'TEMPLATE_MAX_OUTPUT_CHARS' : 'TEMPLATE_MAX_RENDER_WORK',
      max: err.max,
    });
  }
  const missing = [...new Set([...(title?.missing ?? []), ...body.missing])];
  if (missing.length > 0) {
    throw new AppError(
      'notif.template_param_missing',
      `template ${template.name || '(preview)'} prints ${missing.join(', ')}, which params ${missing.length === 1 ? 'has' : 'have'} no value for`,
      { template_id: template.id || null, missing },
    );
  }
  return {
    title: title?.text ?? defaultTitle(template, params),
    body: body.text,
    templateId: template.id || null,
    templateVersion: template.id ? template.version : null,
  };
}

/**
 * The title of a template without a subject: its trigger event's catalog title for these params,
 * when the params carry what that title is made of (the event's required fields); else the
 * template's name.
 */
function defaultTitle(template: NotificationTemplate, params: Record<string, unknown>): string {
  if (template.triggerEvent !== null && isEventType(template.triggerEvent)) {
    const versions = Object.keys(EVENT_CATALOG[template.triggerEvent]);
    const entry = catalogEntry(template.triggerEvent, versions[versions.length - 1]);
    const required = (entry?.schema as { required?: string[] } | undefined)?.required ?? [];
    if (entry && required.every((field) => Object.hasOwn(params, field) && params[field] !== null)) return entry.defaultMessage(params).title;
  }
  return template.name || 'Notification';
}

function notFound(id: string): AppError {
  return new AppError('notif.template_not_found', `No template with id ${id}`, { id });
}

function indexKey(triggerEvent: string, channel: string, language: string): string {
  return `${triggerEvent}\u0000${channel}\u0000${language}`;
}
