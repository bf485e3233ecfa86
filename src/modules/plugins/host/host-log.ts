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
 * script handed over (getters, proxies) reaches the log sink.
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
  const record = fields as Record<string, unknown>;
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
    size += JSON.stringify(key).length + json.length + 2;
    if (size > MAX_LOG_FIELDS_CHARS) {
      out._truncated = keys.length - index;
      break;
    }
    Object.defineProperty(out, key, { value: JSON.parse(json), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
