import { AddressGuard, type HostResolver } from './address-guard.js';
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
import { CallLogBudget, callKey } from './call-log-budget.js';
import { runHostCrypto } from './host-crypto.js';
import { HostHttpClient } from './host-http-client.js';
import { buildLogEntry } from './host-log.js';
import { HostMailer } from './host-mailer.js';

/** http requests one plugin call may have in flight at once; more is too_many_requests. */
export const MAX_REQUESTS_IN_FLIGHT = 16;

/**
 * The host API behind a plugin script's globals. Built from plain settings and a log sink, with no
 * Nest DI, so a sandbox worker thread can construct its own copy from serialised settings.
 *
 * Per plugin call (identified by the context's `signal`, else the context object): at most
 * MAX_REQUESTS_IN_FLIGHT http requests at once (5,000 unawaited requests left ~1,600 sockets
 * open), a log volume cap (CallLogBudget), and when the call ends its requests are aborted and
 * new http/mail calls refused with `aborted`.
 *
 * Contract with the sandbox: every method either succeeds or throws a HostApiError, whatever the
 * script passed (garbage, hostile objects); anything else escaping would be a host bug reaching
 * the script as an opaque failure. The host's own debug lines for http/mail carry the origin and
 * outcome only, never paths, header values or bodies.
 */
export class DefaultHostApi implements HostApi {
  private readonly http: HostHttpClient;
  private readonly mailer: HostMailer;
  private readonly inFlight = new WeakMap<object, number>();
  private readonly logBudget = new CallLogBudget();

  /**
   * Throws a plain Error when settings.http.allow holds a malformed entry.
   * `options.resolve` replaces the OS resolver (tests use it to play DNS).
   */
  private readonly clock: () => number;

  constructor(
    settings: HostApiSettings,
    private readonly sink: HostLogSink,
    options: { resolve?: HostResolver; now?: () => number } = {},
  ) {
    // A worker thread builds its host from plain settings: the system clock unless a test passes one.
    this.clock = options.now ?? Date.now;
    this.http = new HostHttpClient(
      settings.http,
      new AddressGuard(settings.http.allow, options.resolve),
      new AddressGuard(settings.http.personalAllow ?? [], options.resolve, 'PERSONAL_TARGET_ALLOW'),
    );
    this.mailer = new HostMailer(settings.mail);
  }

  async httpRequest(request: unknown, context: HostCallContext): Promise<HostHttpResponse> {
    if (context.signal?.aborted) throw new HostApiError('aborted', 'http.request refused: the plugin call has ended');
    const key = callKey(context);
    const running = this.inFlight.get(key) ?? 0;
    if (running >= MAX_REQUESTS_IN_FLIGHT) {
      throw new HostApiError('too_many_requests', `more than ${MAX_REQUESTS_IN_FLIGHT} http requests in flight in one plugin call; await some before starting more`);
    }
    this.inFlight.set(key, running + 1);
    const started = this.clock();
    try {
      const response = await this.http.request(request, context.signal, context.personalTarget);
      this.trace(context, 'plugin http request', { origin: originOf(request), status: response.status, duration_ms: this.clock() - started });
      return response;
    } catch (error) {
      const failure = asHostError(error, 'network_error', 'http request failed');
      this.trace(context, 'plugin http request failed', { origin: originOf(request), error: failure.code, duration_ms: this.clock() - started });
      throw failure;
    } finally {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
  }

  async mailSend(message: unknown, context: HostCallContext): Promise<HostMailResult> {
    const started = this.clock();
    try {
      const result = await this.mailer.send(message, context.signal);
      this.trace(context, 'plugin mail sent', { accepted: result.accepted.length, rejected: result.rejected.length, duration_ms: this.clock() - started });
      return result;
    } catch (error) {
      const failure = asHostError(error, 'smtp_error', 'mail send failed');
      this.trace(context, 'plugin mail failed', { error: failure.code, response_code: failure.data.responseCode ?? null, duration_ms: this.clock() - started });
      throw failure;
    }
  }

  crypto(name: string, args: unknown[]): string | boolean {
    try {
      return runHostCrypto(name, args);
    } catch (error) {
      throw asHostError(error, 'invalid_argument', 'crypto helper failed');
    }
  }

  log(level: unknown, message: unknown, fields: unknown, context: HostCallContext): void {
    let entry: HostLogEntry;
    try {
      entry = buildLogEntry(level, message, fields, context);
    } catch (error) {
      throw asHostError(error, 'invalid_argument', 'log call rejected');
    }
    const verdict = this.logBudget.admit(entry);
    if (verdict === 'write') this.write(entry);
    else if (verdict === 'limit') this.write(CallLogBudget.limitEntry(context));
  }

  now(): number {
    return this.clock();
  }

  /** Releases the SMTP transport; the instance must not be used afterwards. */
  close(): void {
    this.mailer.close();
  }

  private trace(context: HostCallContext, message: string, fields: Record<string, unknown>): void {
    this.write({ level: 'debug', message, fields, context });
  }

  /** A failing sink must not turn a script's log call, or a successful request, into an error. */
  private write(entry: HostLogEntry): void {
    try {
      this.sink(entry);
    } catch {
      // Nothing sensible to do: the sink is the log.
    }
  }
}

function asHostError(error: unknown, code: HostApiError['code'], what: string): HostApiError {
  if (error instanceof HostApiError) return error;
  // Reaching here is a host bug; keep the script-visible message generic (no internals, no secrets).
  return new HostApiError(code, `${what}: unexpected host error`);
}

function originOf(request: unknown): string | null {
  try {
    const url = (request as { url?: unknown } | null)?.url;
    return typeof url === 'string' ? new URL(url).origin : null;
  } catch {
    return null;
  }
}
