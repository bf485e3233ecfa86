import type { HostCallContext, HostLogEntry } from './host-api.types.js';

export const MAX_LOG_LINES_PER_CALL = 200;
export const MAX_LOG_BYTES_PER_CALL = 64 * 1024;

/**
 * How much one plugin call may log: MAX_LOG_LINES_PER_CALL lines and MAX_LOG_BYTES_PER_CALL bytes
 * of messages and fields (one call wrote ~33 MB/s before). Past either, the call gets one
 * "log limit reached" line and is silent from then on.
 *
 * A call is identified by its context's `signal` (one per call, set by the sandbox), or by the
 * context object itself when there is none; counts live in a WeakMap, so they go with the call.
 * Not counted: the host's own trace lines for http and mail.
 */
export class CallLogBudget {
  private readonly used = new WeakMap<object, { lines: number; bytes: number; exhausted: boolean }>();

  /** 'write' the entry, write the 'limit' line instead (once), or 'drop' it. */
  admit(entry: HostLogEntry): 'write' | 'limit' | 'drop' {
    const key = callKey(entry.context);
    let used = this.used.get(key);
    if (!used) {
      used = { lines: 0, bytes: 0, exhausted: false };
      this.used.set(key, used);
    }
    if (used.exhausted) return 'drop';
    const bytes = Buffer.byteLength(entry.message) + Buffer.byteLength(JSON.stringify(entry.fields));
    if (used.lines + 1 > MAX_LOG_LINES_PER_CALL || used.bytes + bytes > MAX_LOG_BYTES_PER_CALL) {
      used.exhausted = true;
      return 'limit';
    }
    used.lines++;
    used.bytes += bytes;
    return 'write';
  }

  /** The line written once a call has used up its budget. */
  static limitEntry(context: HostCallContext): HostLogEntry {
    return {
      level: 'warn',
      message: 'log limit reached',
      fields: { max_lines: MAX_LOG_LINES_PER_CALL, max_bytes: MAX_LOG_BYTES_PER_CALL },
      context,
    };
  }
}

/** One object per plugin call: its abort signal, else the context object. */
export function callKey(context: HostCallContext): object {
  return context.signal ?? context;
}
