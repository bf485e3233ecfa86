import mustache from 'mustache';
import type { NotifierChannel } from '../../plugins/plugin-contract.js';

/**
 * Mustache (https://mustache.github.io/mustache.5.html, the `mustache` package) with the rules
 * Switchboard's templates need, as pure functions: parse once, render many times.
 *
 * - Lookups see own properties only. `{{constructor}}`, `{{__proto__}}`, `{{toString}}` never
 *   reach Object.prototype: they are missing params like any other name the params do not have.
 * - A variable tag (`{{x}}`, `{{{x}}}`, `{{& x}}`) whose value is absent or null is a missing
 *   param, reported by name, never rendered as an empty string. Sections (`{{#x}}`, `{{^x}}`) on
 *   an absent name are simply false: that is how a template says "optional".
 * - Escaping is the caller's choice per text: HTML-escaped (email bodies) or verbatim.
 * - No partials (`{{> x}}`), no lambdas (params are JSON, so there are no functions to call).
 *
 * Deliberately not here: where templates come from, which one applies, and what a missing param
 * means for a notification (TemplateService, MessageComposer).
 */

export type Tokens = mustache.TemplateSpans;

/**
 * What one render may produce and do: `outputChars` characters of text, `work` steps (a step is a
 * printed piece — text, a value — or one token list entered, e.g. a section's item). Checked while
 * rendering, so `{{#a}}{{#a}}{{#a}}…` over a long list stops at the cap in milliseconds instead of
 * running for minutes or building a body of millions of characters.
 */
export interface RenderLimits {
  outputChars: number;
  work: number;
}

/** 256 KiB of text: above the longest template text (100 KiB) with room for its values. */
export const DEFAULT_RENDER_LIMITS: RenderLimits = { outputChars: 256 * 1024, work: 200_000 };

/** A render stopped at one of its RenderLimits. */
export class RenderLimitExceeded extends Error {
  override name = 'RenderLimitExceeded';
  constructor(readonly limit: keyof RenderLimits, readonly max: number) {
    super(limit === 'outputChars' ? `the rendered text would exceed ${max} characters` : `rendering would take more than ${max} steps (sections over long lists)`);
  }
}

/** The budget of the render in progress (rendering is synchronous: one at a time per thread). */
let budget: { limits: RenderLimits; output: number; work: number } | null = null;

function spend(output: number, work: number): void {
  if (budget === null) return;
  budget.output += output;
  budget.work += work;
  if (budget.output > budget.limits.outputChars) throw new RenderLimitExceeded('outputChars', budget.limits.outputChars);
  if (budget.work > budget.limits.work) throw new RenderLimitExceeded('work', budget.limits.work);
}

/** A template text that failed to parse; the message is mustache's ("Unclosed section \"x\" at 12"). */
export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
}

/**
 * Where a name is used: `variable` prints it escaped (when the text escapes), `raw` prints it
 * unescaped (`{{{x}}}`, `{{& x}}`), `section` tests or iterates it, `partial` includes a template.
 */
export interface Placeholder {
  name: string;
  kind: 'variable' | 'raw' | 'section' | 'partial';
  /** The names of the enclosing sections, outermost first. */
  sections: string[];
}

/** Channels whose bodies are HTML, so values are HTML-escaped; every other channel is plain text. */
const HTML_CHANNELS: ReadonlySet<NotifierChannel> = new Set(['email']);

export function escapesHtml(channel: NotifierChannel): boolean {
  return HTML_CHANNELS.has(channel);
}

/** A JSON object as params: a plain object (not an array, not a class instance). */
export function isParams(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Own-property lookups, and a record of the variable names that had no value. Each push (a
 * section's item) shares the root's record.
 */
class OwnPropertyContext extends mustache.Context {
  constructor(
    view: unknown,
    private readonly up: OwnPropertyContext | undefined,
    readonly missing: Set<string>,
  ) {
    super(view, up);
  }

  override push(view: unknown): OwnPropertyContext {
    return new OwnPropertyContext(view, this, this.missing);
  }

  override lookup(name: string): unknown {
    if (name === '.') return this.view;
    const path = name.split('.');
    const hit = resolve(this.view, path);
    if (hit.found) return hit.value;
    return this.up?.lookup(name);
  }
}

function resolve(view: unknown, path: string[]): { found: boolean; value?: unknown } {
  let value = view;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return { found: false };
    value = (value as Record<string, unknown>)[segment];
  }
  return { found: true, value };
}

/** Printed form of a value: strings as they are, numbers and booleans in JSON form, objects and arrays as JSON. */
function printable(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

const verbatim = (text: string): string => text;

class StrictWriter extends mustache.Writer {
  constructor() {
    super();
    // Parsed tokens are kept by the callers (TemplateService keeps them per template version);
    // the writer's own cache would keep every previewed text forever.
    (this as unknown as { templateCache: unknown }).templateCache = undefined;
  }

  override renderTokens(tokens: string[][], context: mustache.Context, partials?: mustache.PartialsOrLookupFn, originalTemplate?: string, config?: mustache.RenderOptions): string {
    spend(0, 1);
    return super.renderTokens(tokens, context, partials, originalTemplate, config);
  }

  override rawValue(token: string[]): string {
    const text = super.rawValue(token);
    spend(text.length, 1);
    return text;
  }

  override escapedValue(token: string[], context: mustache.Context, config?: mustache.RenderOptions): string {
    const value = this.printedValue(token, context);
    const text = value === undefined ? '' : (config?.escape ?? verbatim)(printable(value));
    spend(text.length, 1);
    return text;
  }

  override unescapedValue(token: string[], context: mustache.Context): string {
    const value = this.printedValue(token, context);
    const text = value === undefined ? '' : printable(value);
    spend(text.length, 1);
    return text;
  }

  override renderPartial(): string {
    // Refused when a template is saved (placeholders); never rendered from anywhere.
    return '';
  }

  private printedValue(token: string[], context: mustache.Context): unknown {
    const value: unknown = context.lookup(token[1]);
    if (value === undefined || value === null) {
      (context as OwnPropertyContext).missing.add(token[1]);
      return undefined;
    }
    return value;
  }
}

const writer = new StrictWriter();

/**
 * How deep sections may nest (`{{#a}}{{#b}}…`). Mustache renders a section by recursing into it,
 * so the input would choose the stack depth: 8,000 nested sections were a stack overflow (500).
 * Real templates nest two or three deep.
 */
export const MAX_SECTION_DEPTH = 32;

/**
 * Parses a template text; a syntax error, or sections nested deeper than MAX_SECTION_DEPTH, is a
 * TemplateSyntaxError with mustache's message (or ours). Mustache's parser itself is iterative.
 */
export function parseTemplate(source: string): Tokens {
  let tokens: Tokens;
  try {
    tokens = writer.parse(source) as Tokens;
  } catch (err) {
    throw new TemplateSyntaxError((err as Error).message);
  }
  if (nestedDeeperThan(tokens, MAX_SECTION_DEPTH)) throw new TemplateSyntaxError(`sections are nested more than ${MAX_SECTION_DEPTH} deep`);
  return tokens;
}

/** Whether sections nest deeper than `max`; the walk stops at the first one too deep. */
function nestedDeeperThan(tokens: Tokens, max: number): boolean {
  let deeper = false;
  walkTokens(tokens, (type, _name, sections) => {
    deeper = (type === '#' || type === '^') && sections.length >= max;
    return deeper;
  });
  return deeper;
}

/**
 * Every name the tokens use, in order of appearance (duplicates kept: callers dedupe as they
 * need).
 */
export function placeholdersOf(tokens: Tokens): Placeholder[] {
  const found: Placeholder[] = [];
  walkTokens(tokens, (type, name, sections) => {
    if (type === 'name') found.push({ name, kind: 'variable', sections });
    else if (type === '&') found.push({ name, kind: 'raw', sections });
    else if (type === '>') found.push({ name, kind: 'partial', sections });
    else if (type === '#' || type === '^') found.push({ name, kind: 'section', sections });
  });
  return found;
}

/**
 * Visits every token in order of appearance with the names of its enclosing sections (outermost
 * first); `visit` answering true stops the walk. Iterative, with its own stack: the nesting depth
 * of the input is not the call depth.
 */
function walkTokens(tokens: Tokens, visit: (type: string, name: string, sections: string[]) => boolean | void): void {
  const stack: { tokens: Tokens; next: number; sections: string[] }[] = [{ tokens, next: 0, sections: [] }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next >= frame.tokens.length) {
      stack.pop();
      continue;
    }
    const [type, name, , , inner] = frame.tokens[frame.next++] as unknown as [string, string, number, number, Tokens?];
    if (visit(type, name, frame.sections) === true) return;
    if (type === '#' || type === '^') stack.push({ tokens: inner ?? [], next: 0, sections: [...frame.sections, name] });
  }
}

export interface RenderResult {
  text: string;
  /** Variable names that had no value (absent or null), each once, in order of first use. */
  missing: string[];
}

/**
 * Renders parsed tokens with params (a JSON object, see isParams), HTML-escaping printed values
 * when `html` is true, within `limits` (else RenderLimitExceeded, thrown as soon as a cap is
 * passed). Linear in the size of the output: lookups walk the params in place, nothing is copied.
 */
export function renderTokens(tokens: Tokens, source: string, params: Record<string, unknown>, html: boolean, limits: RenderLimits = DEFAULT_RENDER_LIMITS): RenderResult {
  const missing = new Set<string>();
  budget = { limits, output: 0, work: 0 };
  try {
    const text = writer.renderTokens(tokens as unknown as string[][], new OwnPropertyContext(params, undefined, missing), undefined, source, {
      escape: html ? mustache.escape : verbatim,
    });
    return { text, missing: [...missing] };
  } finally {
    budget = null;
  }
}

/** parseTemplate then renderTokens, for one-off texts (previews, tests). */
export function renderText(source: string, params: Record<string, unknown>, html: boolean, limits?: RenderLimits): RenderResult {
  return renderTokens(parseTemplate(source), source, params, html, limits);
}
