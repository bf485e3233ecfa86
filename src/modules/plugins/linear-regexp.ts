import type { CodeOptions } from 'ajv';
import { RE2JS } from 're2js';

/**
 * Regular expressions that plugin authors wrote (`pattern`, `patternProperties` in config_schema())
 * run here, on the host, never in V8's backtracking engine: one 27-character pattern held the
 * event loop for 11 s. RE2 (its pure-JavaScript port, re2js; no native addon) matches in time
 * linear in the input, whatever the pattern.
 *
 * The price, documented for plugin authors in docs/plugins.md: RE2 has no lookahead, lookbehind or
 * backreferences, repeats are capped at {1000}, `\s` is ASCII whitespace only and `.` matches `\r`.
 * A pattern RE2 cannot run is refused when the schema is compiled (the plugin is stored invalid,
 * with the reason), never run in V8 instead. Not done here: the runtime's own, fixed patterns
 * (plugin-results.ts) keep V8's engine.
 */

/** Compile time grows with the pattern (a 14,000-character alternation takes ~90 ms); real patterns are short. */
export const MAX_PATTERN_CHARS = 4_096;

export interface LinearRegExp {
  /** Whether the pattern matches somewhere in `text` (JSON Schema patterns are not anchored). */
  test(text: string): boolean;
  toString(): string;
}

/** A pattern that RE2 cannot run, or that is too long; the message names the pattern and why. */
export class UnsupportedPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPatternError';
  }
}

export function linearRegExp(pattern: string): LinearRegExp {
  const shown = JSON.stringify(pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern);
  if (pattern.length > MAX_PATTERN_CHARS) {
    throw new UnsupportedPatternError(`pattern ${shown} is longer than ${MAX_PATTERN_CHARS} characters`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnsupportedPatternError(`pattern ${shown} is not supported by the linear-time regular expression engine (RE2: no lookaround, no backreferences, repeats up to {1000}): ${reason}`);
  }
  // ajv caches compiled patterns by toString(): it must differ per pattern.
  const text = `/${pattern}/`;
  return { test: (input: string) => re.test(input), toString: () => text };
}

/** For ajv's `code.regExp` option; the `u` flag is implied (RE2 always matches code points). */
export const linearRegExpEngine: NonNullable<CodeOptions['regExp']> = Object.assign((pattern: string) => linearRegExp(pattern), {
  // Only used by ajv's standalone code generation, which we do not use.
  code: 'linearRegExp',
});
