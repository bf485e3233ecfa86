import { AppError, type Violation } from '../../../common/errors/app-error.js';
import { LANGUAGE_TAG } from '../../../config/app-config.js';
import { EVENT_CATALOG, isEventType } from '../../events/event-catalog.js';
import { isNotifierChannel, NOTIFIER_CHANNELS, type NotifierChannel } from '../../plugins/plugin-contract.js';
import type { TemplateFields } from './template.repository.js';
import type { NotificationTemplate, TemplateInput, TemplateListQuery, TemplateWarning } from './template.types.js';
import { escapesHtml, parseTemplate, placeholdersOf, TemplateSyntaxError, type Placeholder, type Tokens } from './template-renderer.js';
import { isUuid } from '../../../common/validation/validators.js';

/**
 * The checks of a template as it is saved or previewed, pure: field shapes and limits, template
 * syntax, no partials, no unescaped output in HTML (email) bodies. Each problem is a
 * `common.validation_failed` violation naming its field; all of them are reported at once.
 *
 * A placeholder that the trigger event's payload schema does not have is not a refusal but a
 * warning (templateWarnings): seed 002 itself prints `{{name}}` in its `user.created` welcome mail
 * and fills it through a manual send. Such a template renders for the event only when the event
 * carries the value anyway; otherwise the record is `skipped` with `template_param_missing`.
 */

export const TEMPLATE_LIMITS = {
  name: 100,
  subject: 500,
  /** Bytes of UTF-8: a 100 KB template is fine, one byte more is not. */
  contentBytes: 100 * 1024,
  language: 35,
  pageSize: 100,
  defaultPageSize: 20,
} as const;

const NAME = /^[a-z0-9][a-z0-9_.-]*$/i;
/** NAME as a JSON Schema `pattern` (no flags), for the REST command schema. */
export const TEMPLATE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';

export function checkId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || !isUuid(id)) throw AppError.invalidField(field, 'must be a UUID');
  return id.toLowerCase();
}

/** A page request: page from 1, page_size 1..100 (default 20); integers or their decimal strings. */
export function checkListQuery(query: TemplateListQuery): { page: number; pageSize: number; type?: NotifierChannel; triggerEvent?: string; language?: string } {
  const violations: Violation[] = [];
  const int = (value: unknown, field: string, fallback: number, max: number): number => {
    if (value === undefined || value === null || value === '') return fallback;
    const n = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
      violations.push({ field, message: `must be an integer from 1 to ${max}` });
      return fallback;
    }
    return n;
  };
  const page = int(query.page, 'page', 1, 1_000_000);
  const pageSize = int(query.pageSize, 'page_size', TEMPLATE_LIMITS.defaultPageSize, TEMPLATE_LIMITS.pageSize);
  const result: ReturnType<typeof checkListQuery> = { page, pageSize };
  if (query.type !== undefined && query.type !== null && query.type !== '') {
    if (isNotifierChannel(query.type)) result.type = query.type;
    else violations.push({ field: 'type', message: `must be one of ${NOTIFIER_CHANNELS.join(', ')}` });
  }
  if (query.triggerEvent !== undefined && query.triggerEvent !== null && query.triggerEvent !== '') {
    if (typeof query.triggerEvent === 'string' && query.triggerEvent.length <= 100) result.triggerEvent = query.triggerEvent;
    else violations.push({ field: 'trigger_event', message: 'must be an event type' });
  }
  if (query.language !== undefined && query.language !== null && query.language !== '') {
    if (typeof query.language === 'string' && LANGUAGE_TAG.test(query.language)) result.language = query.language.toLowerCase();
    else violations.push({ field: 'language', message: 'must be a language tag such as "vi" or "pt-br"' });
  }
  if (violations.length > 0) throw AppError.validation(violations);
  return result;
}

/**
 * The fields of a create (`current` null: name, type and content required) or a partial update
 * (`current` given: an omitted field keeps its value; null clears trigger_event or subject),
 * checked as a whole template.
 */
export function checkTemplate(input: TemplateInput, current: NotificationTemplate | null, defaultLanguage: string): TemplateFields {
  const violations: Violation[] = [];
  const given = (value: unknown): boolean => value !== undefined;
  const bad = (field: string, message: string): undefined => {
    violations.push({ field, message });
    return undefined;
  };

  const name = given(input.name) ? checkName(input.name, bad) : current ? current.name : bad('name', 'is required');
  const type = given(input.type) ? checkType(input.type, bad) : current ? current.type : bad('type', 'is required');
  const language = given(input.language) && input.language !== null ? checkLanguage(input.language, bad) : current && !given(input.language) ? current.language : defaultLanguage;
  const triggerEvent = given(input.triggerEvent) ? checkTrigger(input.triggerEvent, bad) : current ? current.triggerEvent : null;
  const subject = given(input.subject) ? checkSubject(input.subject, bad) : current ? current.subject : null;
  const content = given(input.content) ? checkContent(input.content, bad) : current ? current.content : bad('content', 'is required');

  if (violations.length > 0) throw AppError.validation(violations);
  const fields: TemplateFields = { name: name!, type: type!, language: language!, triggerEvent: triggerEvent ?? null, subject: subject ?? null, content: content! };
  checkTexts(fields);
  return fields;
}

/**
 * The template texts of a whole template: syntax, partials and unescaped output in email bodies.
 * Returns the parsed tokens.
 */
export function checkTexts(fields: Pick<TemplateFields, 'type' | 'subject' | 'content'>): { subject: Tokens | null; content: Tokens } {
  const violations: Violation[] = [];
  const parse = (field: string, source: string): Tokens | null => {
    try {
      return parseTemplate(source);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      violations.push({ field, message: `is not a valid template: ${err.message}` });
      return null;
    }
  };
  const subject = fields.subject === null ? null : parse('subject', fields.subject);
  const content = parse('content', fields.content);
  for (const [field, tokens] of [['subject', subject], ['content', content]] as const) {
    if (tokens === null) continue;
    const placeholders = placeholdersOf(tokens);
    const partials = placeholders.filter((p) => p.kind === 'partial');
    if (partials.length > 0) violations.push({ field, message: `uses partials (${partials.map((p) => `{{> ${p.name}}}`).join(', ')}), which templates do not support` });
    const raw = placeholders.filter((p) => p.kind === 'raw');
    if (field === 'content' && escapesHtml(fields.type) && raw.length > 0) {
      violations.push({
        field,
        message:
          `prints ${unique(raw.map((p) => p.name)).join(', ')} unescaped ({{{name}}} or {{& name}}); ${fields.type} bodies are HTML and every value is ` +
          'HTML-escaped, so event data cannot inject markup: use {{name}}',
      });
    }
  }
  if (violations.length > 0) throw AppError.validation(violations);
  return { subject, content: content! };
}

/**
 * What a saved template is told about its placeholders: for an event-triggered one, each text
 * (subject, content) that prints names its trigger event's payload schema does not have, with the
 * fields the event offers. Empty for a manual-only template, an unknown event type, or a text that
 * does not parse (checkTexts refuses that one). Pure: the same template gets the same warnings.
 */
export function templateWarnings(fields: Pick<TemplateFields, 'triggerEvent' | 'subject' | 'content'>): TemplateWarning[] {
  if (fields.triggerEvent === null || !isEventType(fields.triggerEvent)) return [];
  const schema = payloadSchema(fields.triggerEvent);
  const warnings: TemplateWarning[] = [];
  for (const [field, source] of [['subject', fields.subject], ['content', fields.content]] as const) {
    if (source === null) continue;
    let tokens: Tokens;
    try {
      tokens = parseTemplate(source);
    } catch {
      continue;
    }
    const unknown = unique(placeholdersOf(tokens).filter((p) => p.kind !== 'partial' && !schema.allows(p)).map((p) => p.name));
    if (unknown.length === 0) continue;
    warnings.push({
      code: 'notif.template_placeholder_not_in_event',
      field,
      placeholders: unknown,
      event: fields.triggerEvent,
      offered: schema.top,
      message:
        `${field} prints ${unknown.join(', ')}, which the ${fields.triggerEvent} payload does not have (it offers ${schema.top.join(', ')}): ` +
        'a manual send must give them as params, and an event without them gets a skipped record (template_param_missing)',
    });
  }
  return warnings;
}

function checkName(value: unknown, bad: (f: string, m: string) => undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return bad('name', 'must be a non-empty string');
  if (value.length > TEMPLATE_LIMITS.name) return bad('name', `must be at most ${TEMPLATE_LIMITS.name} characters`);
  if (!NAME.test(value)) return bad('name', 'must start with a letter or digit and contain only letters, digits, "_", "." and "-"');
  return value;
}

function checkType(value: unknown, bad: (f: string, m: string) => undefined): NotifierChannel | undefined {
  return isNotifierChannel(value) ? value : bad('type', `must be one of ${NOTIFIER_CHANNELS.join(', ')}`);
}

function checkLanguage(value: unknown, bad: (f: string, m: string) => undefined): string | undefined {
  if (typeof value !== 'string' || value.length > TEMPLATE_LIMITS.language || !LANGUAGE_TAG.test(value)) {
    return bad('language', 'must be a language tag such as "vi", "en" or "pt-br"');
  }
  return value.toLowerCase();
}

function checkTrigger(value: unknown, bad: (f: string, m: string) => undefined): string | null | undefined {
  if (value === null || value === '') return null;
  if (typeof value !== 'string' || !isEventType(value)) {
    return bad('trigger_event', `must be an event type of the catalog (${Object.keys(EVENT_CATALOG).join(', ')}) or null`);
  }
  return value;
}

function checkSubject(value: unknown, bad: (f: string, m: string) => undefined): string | null | undefined {
  if (value === null || value === '') return null;
  if (typeof value !== 'string') return bad('subject', 'must be a string or null');
  if (value.length > TEMPLATE_LIMITS.subject) return bad('subject', `must be at most ${TEMPLATE_LIMITS.subject} characters`);
  return value;
}

function checkContent(value: unknown, bad: (f: string, m: string) => undefined): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return bad('content', 'must be a non-empty string');
  const bytes = Buffer.byteLength(value);
  if (bytes > TEMPLATE_LIMITS.contentBytes) return bad('content', `is ${bytes} bytes; at most ${TEMPLATE_LIMITS.contentBytes} (100 KB)`);
  return value;
}

/** `pt-BR` → pt-br, pt, then the default language; each once. */
export function languageFallback(language: string | null, defaultLanguage: string): string[] {
  const candidates: string[] = [];
  if (language !== null && language.length <= TEMPLATE_LIMITS.language) {
    const lower = language.toLowerCase();
    candidates.push(lower);
    const primary = lower.split('-')[0];
    if (primary !== lower) candidates.push(primary);
  }
  if (!candidates.includes(defaultLanguage)) candidates.push(defaultLanguage);
  return candidates;
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

// --- placeholders against a payload schema --------------------------------------------------

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** Property scopes: a map of names to schemas, or `open` (an object whose fields the schema does not declare). */
type Scope = Record<string, SchemaNode> | 'open';

/**
 * The placeholder names an event type's payload allows: its schema's properties (over every
 * version), and inside a section on an object or array field, that field's own properties (or
 * anything, when the schema does not declare them), as mustache's context stack resolves them.
 */
function payloadSchema(type: keyof typeof EVENT_CATALOG): { top: string[]; allows(p: Placeholder): boolean } {
  const properties: Record<string, SchemaNode> = {};
  for (const entry of Object.values(EVENT_CATALOG[type]) as { schema: SchemaNode }[]) Object.assign(properties, entry.schema.properties ?? {});
  const resolve = (scopes: Scope[], name: string): SchemaNode | 'open' | null => {
    if (name === '.') return 'open';
    const [first, ...rest] = name.split('.');
    for (let i = scopes.length - 1; i >= 0; i--) {
      const scope = scopes[i];
      if (scope === 'open') return 'open';
      if (!Object.hasOwn(scope, first)) continue;
      let node: SchemaNode | 'open' = scope[first];
      for (const segment of rest) {
        const inner: Scope | null = scopeOf(node);
        if (inner === null) return null;
        if (inner === 'open') return 'open';
        if (!Object.hasOwn(inner, segment)) return null;
        node = inner[segment];
      }
      return node;
    }
    return null;
  };
  return {
    top: Object.keys(properties),
    allows(p: Placeholder): boolean {
      const scopes: Scope[] = [properties];
      for (const section of p.sections) {
        const node = resolve(scopes, section);
        if (node === null) return true; // the section itself is reported
        const inner = node === 'open' ? 'open' : scopeOf(node);
        if (inner !== null) scopes.push(inner);
      }
      return resolve(scopes, p.name) !== null;
    },
  };
}

/** The scope a section on this schema pushes: its properties, its items' properties, open, or none (a scalar). */
function scopeOf(node: SchemaNode | 'open'): Scope | null {
  if (node === 'open') return 'open';
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (node.properties) return node.properties;
  if (types.includes('array')) return node.items ? (scopeOf(node.items) ?? null) : 'open';
  if (types.includes('object') || types.length === 0) return 'open';
  return null;
}
