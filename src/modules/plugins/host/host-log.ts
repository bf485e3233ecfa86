import { HostApiError, type HostCallContext, type HostLogEntry, type LogLevel } from './host-api.types.js';
import { invalidArgument, isAbsent, isPlainObject, truncate } from './host-validation.js';

/**
 * Turns a script's `log.*(message, fields)` call into a log entry the host can write safely:
 * the message becomes a bounded string without ever invoking script code (no toString/valueOf,
 * whose hostile versions throw or loop), and fields become a bounded, JSON-clean copy.
 */

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const MAX_LOG_MESSAGE_CHARS = 8_192;
export const MAX_LOG_FIELDS_CHARS = 8_192;
/** One field's value: a longer string is cut, a longer or deeper structure becomes its (cut) JSON text. */
export const MAX_LOG_FIELD_VALUE_CHARS = 2_048;
export const MAX_LOG_FIELD_DEPTH = 8;

export function buildLogEntry(level: unknown, message: unknown, fields: unknown, context: HostCallContext): HostLogEntry {
  if (typeof level !== 'string' || !(LEVELS as readonly string[]).includes(level)) {
    throw invalidArgument('log level', `must be one of ${LEVELS.join(', ')}`);
  }
  return { level: level as LogLevel, message: safeText(message), fields: safeFields(fields), context };
}

function safeText(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return truncate(value, MAX_LOG_MESSAGE_CHARS);
      case 'undefined':
        return '';
      case 'number':
      case 'boolean':
      case 'bigint':
        return String(value);
      case 'symbol':
        return value.toString();
      case 'function':
        return '[function]';
      default: {
        // JSON.stringify may still run a toJSON or a getter; both are inside this try.
        const json = JSON.stringify(value);
        return json === undefined ? '[unprintable value]' : truncate(json, MAX_LOG_MESSAGE_CHARS);
      }
    }
  } catch {
    return '[unprintable value]';
  }
}

/**
 * Keeps keys in order while the serialised size stays under the cap, then marks the entry
 * `_truncated` so a reader knows keys are missing; values are re-parsed copies, so nothing the
 * script handed over (getters, proxies) reaches the log sink, and each is bounded in size and
 * depth (a log line is for reading, not for shipping data).
 */
function safeFields(fields: unknown): Record<string, unknown> {
  if (isAbsent(fields)) return {};
  let keys: string[];
  try {
    if (!isPlainObject(fields)) throw invalidArgument('log fields', 'must be a plain object');
    keys = Object.keys(fields);
  } catch (error) {
    if (error instanceof HostApiError) throw error;
    throw invalidArgument('log fields', 'could not be read');
  }
  const record = fields;
  const out: Record<string, unknown> = {};
  let size = 2;
  for (const [index, key] of keys.entries()) {
    let json: string | undefined;
    try {
      json = JSON.stringify(record[key]);
    } catch {
      json = '"[unserialisable]"';
    }
    if (json === undefined) continue;
    const value = bounded(json);
    size += JSON.stringify(key).length + (typeof value === 'string' ? JSON.stringify(value).length : json.length) + 2;
    if (size > MAX_LOG_FIELDS_CHARS) {
      out._truncated = keys.length - index;
      break;
    }
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The value a field's JSON stands for, or a cut string when it is too long or too deep. */
function bounded(json: string): unknown {
  if (json.length <= MAX_LOG_FIELD_VALUE_CHARS && depthOf(json) <= MAX_LOG_FIELD_DEPTH) return JSON.parse(json);
  if (json.startsWith('"')) return truncate(JSON.parse(json) as string, MAX_LOG_FIELD_VALUE_CHARS);
  return truncate(json, MAX_LOG_FIELD_VALUE_CHARS);
}

/** Nesting depth of JSON text, without parsing it. */
function depthOf(json: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
