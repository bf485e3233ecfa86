import { AppError, type Violation } from '../errors/app-error.js';

/** How deep a JSON value may nest (objects and arrays), on every transport. */
export const MAX_JSON_DEPTH = 64;

/**
 * The one rule every string that enters the system obeys, whichever transport brought it and
 * however deep in a JSON value it sits (keys included): no U+0000 and no unpaired UTF-16
 * surrogate — PostgreSQL refuses both in text and jsonb, so letting one through turns a client's
 * mistake into a 500 after the work was half done — and no nesting deeper than MAX_JSON_DEPTH,
 * checked here without recursion so that no later recursive walk (JSON.stringify in an insert, a
 * schema validator) meets a depth the input chose.
 *
 * Returns the first violation, naming the field as `root.a.b[2]`, or null.
 */
export function inputTextViolation(value: unknown, root: string): Violation | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      const problem = stringProblem(v);
      if (problem) return { field: item.path || 'body', message: problem };
      continue;
    }
    if (typeof v !== 'object' || v === null || v instanceof Date || Buffer.isBuffer(v)) continue;
    if (item.depth >= MAX_JSON_DEPTH) return { field: item.path || 'body', message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${item.path}[${i}]`, depth: item.depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const path = item.path ? `${item.path}.${key}` : key;
      const problem = stringProblem(key);
      if (problem) return { field: item.path ? `${item.path}.${printable(key)}` : printable(key), message: `(a key) ${problem}` };
      stack.push({ value: (v as Record<string, unknown>)[key], path, depth: item.depth + 1 });
    }
  }
  return null;
}

/** inputTextViolation as a 422 `common.validation_failed` (InvalidArgument on gRPC). */
export function assertInputText(value: unknown, root: string): void {
  const violation = inputTextViolation(value, root);
  if (violation) throw AppError.validation([violation]);
}

// On UTF-16 code units (no `u` flag): a high surrogate not followed by a low one, or a low one not
// preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

function stringProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  if (LONE_SURROGATE.test(text)) return 'must not contain an unpaired UTF-16 surrogate (not valid Unicode)';
  return null;
}

/** A key as an error may print it: the offending characters written as escapes. */
function printable(key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return shown.replaceAll('\u0000', '\\u0000').replace(LONE_SURROGATES, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
