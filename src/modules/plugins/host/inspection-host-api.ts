import { CallLogBudget } from './call-log-budget.js';
import {
  HostApiError,
  type HostApi,
  type HostApiSettings,
  type HostCallContext,
  type HostHttpResponse,
  type HostLogEntry,
  type HostLogSink,
  type HostMailResult,
} from './host-api.types.js';
import { runHostCrypto } from './host-crypto.js';
import { buildLogEntry } from './host-log.js';

/**
 * The host API a script gets while it is being inspected (scanned, or checked by the CLI): an
 * unvetted file must not reach the network or the mail relay just by being dropped into
 * PLUGINS_DIR (docs/plugins.md: "scanning an unvetted file does no I/O"). http.request and
 * mail.send fail at once with `not_available`, without reading their argument; crypto, now and
 * log work as in DefaultHostApi (log with the same per-call volume cap).
 *
 * Same constructor as DefaultHostApi, so a sandbox can build either from the same settings; the
 * settings are not used (there is nothing to connect to).
 */
export class InspectionHostApi implements HostApi {
  private readonly logBudget = new CallLogBudget();

  constructor(
    _settings: HostApiSettings,
    private readonly sink: HostLogSink,
  ) {}

  httpRequest(_request: unknown, _context: HostCallContext): Promise<HostHttpResponse> {
    return Promise.reject(notAvailable('http.request'));
  }

  mailSend(_message: unknown, _context: HostCallContext): Promise<HostMailResult> {
    return Promise.reject(notAvailable('mail.send'));
  }

  crypto(name: string, args: unknown[]): string | boolean {
    try {
      return runHostCrypto(name, args);
    } catch (error) {
      if (error instanceof HostApiError) throw error;
      throw new HostApiError('invalid_argument', 'crypto helper failed: unexpected host error');
    }
  }

  log(level: unknown, message: unknown, fields: unknown, context: HostCallContext): void {
    let entry: HostLogEntry;
    try {
      entry = buildLogEntry(level, message, fields, context);
    } catch (error) {
      if (error instanceof HostApiError) throw error;
      throw new HostApiError('invalid_argument', 'log call rejected: unexpected host error');
    }
    const verdict = this.logBudget.admit(entry);
    if (verdict === 'write') this.write(entry);
    else if (verdict === 'limit') this.write(CallLogBudget.limitEntry(context));
  }

  now(): number {
    return Date.now();
  }

  private write(entry: HostLogEntry): void {
    try {
      this.sink(entry);
    } catch {
      // A failing sink must not fail the script's log call.
    }
  }
}

function notAvailable(what: string): HostApiError {
  return new HostApiError('not_available', `${what} is not available while a script is being inspected: inspection does no I/O`);
}
