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
import { runHostCrypto } from './host-crypto.js';
import { HostHttpClient } from './host-http.js';
import { buildLogEntry } from './host-log.js';
import { HostMailer } from './host-mail.js';

/**
 * The host API behind a plugin script's globals. Built from plain settings and a log sink, with no
 * Nest DI, so a sandbox worker thread can construct its own copy from serialised settings.
 *
 * Contract with the sandbox: every method either succeeds or throws a HostApiError, whatever the
 * script passed (garbage, hostile objects); anything else escaping would be a host bug reaching
 * the script as an opaque failure. The host's own debug lines for http/mail carry the origin and
 * outcome only, never paths, header values or bodies.
 */
export class DefaultHostApi implements HostApi {
  private readonly http: HostHttpClient;
  private readonly mailer: HostMailer;

  /**
   * Throws a plain Error when settings.http.allow holds a malformed entry.
   * `options.resolve` replaces the OS resolver (tests use it to play DNS).
   */
  constructor(
    settings: HostApiSettings,
    private readonly sink: HostLogSink,
    options: { resolve?: HostResolver } = {},
  ) {
    this.http = new HostHttpClient(settings.http, new AddressGuard(settings.http.allow, options.resolve));
    this.mailer = new HostMailer(settings.mail);
  }

  async httpRequest(request: unknown, context: HostCallContext): Promise<HostHttpResponse> {
    const started = Date.now();
    try {
      const response = await this.http.request(request);
      this.trace(context, 'plugin http request', { origin: originOf(request), status: response.status, duration_ms: Date.now() - started });
      return response;
    } catch (error) {
      const failure = asHostError(error, 'network_error', 'http request failed');
      this.trace(context, 'plugin http request failed', { origin: originOf(request), error: failure.code, duration_ms: Date.now() - started });
      throw failure;
    }
  }

  async mailSend(message: unknown, context: HostCallContext): Promise<HostMailResult> {
    const started = Date.now();
    try {
      const result = await this.mailer.send(message);
      this.trace(context, 'plugin mail sent', { accepted: result.accepted.length, rejected: result.rejected.length, duration_ms: Date.now() - started });
      return result;
    } catch (error) {
      const failure = asHostError(error, 'smtp_error', 'mail send failed');
      this.trace(context, 'plugin mail failed', { error: failure.code, response_code: failure.data.responseCode ?? null, duration_ms: Date.now() - started });
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
    this.write(entry);
  }

  now(): number {
    return Date.now();
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
