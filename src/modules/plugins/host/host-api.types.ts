import type { CallOrigin } from '../../../common/logging/request-context.js';
/**
 * The host API offered to plugin scripts, as the sandbox sees it. Implementations run in
 * whichever thread runs the script (main thread or a sandbox worker), so they are built from
 * plain, serialisable settings plus a log sink.
 *
 * Inside a script these appear as globals:
 *   http.request(req) → Promise<response>        mail.send(message) → Promise<result>
 *   crypto.hmacSha256(key, data, enc?) ...       log.info|warn|error|debug(message, fields?)
 *   now() → milliseconds since the epoch         console.log(...) → log.info
 * A host function given garbage throws a HostApiError, which the script sees as an Error with a
 * `code` (see HostErrorCode) it may catch and classify.
 */

export interface HostApiSettings {
  http: {
    /** Default and maximum per-request timeout. */
    defaultTimeoutMs: number;
    maxTimeoutMs: number;
    /** Response bodies larger than this fail with response_too_large. */
    maxResponseBytes: number;
    /** Request bodies larger than this fail with invalid_argument. */
    maxRequestBytes: number;
    /** Hosts ("name", "name:port", "1.2.3.4", "1.2.3.4:port") allowed although private/loopback/link-local. */
    allow: string[];
    /** The same for the call's personal target (HostCallContext.personalTarget): PERSONAL_TARGET_ALLOW. */
    personalAllow?: string[];
  };
  mail: {
    /** smtp:// or smtps:// URL; null: mail.send fails with mail_not_configured. */
    smtpUrl: string | null;
    from: string;
    timeoutMs: number;
    /**
     * Who a script may send as, besides any address on SMTP_FROM's own domain: addresses
     * ("alerts@ops.example") and domains ("@shop.example"); ["*"] lets a script use any sender.
     */
    allowedSenders?: string[];
  };
}

/** Who is calling, for log lines and errors. */
export interface HostCallContext {
  /** e.g. "notifier/webhook" */
  plugin: string;
  interfaceId: string | null;
  traceId: string | null;
  /** The transport and operation of the call that made this plugin call (log lines name them). */
  origin?: CallOrigin | null;
  /**
   * A recipient's own URL this call sends to (a notifier's params.target_url), user-supplied: a
   * request to its origin is vetted with PERSONAL_TARGET_ALLOW, not PLUGIN_HTTP_ALLOW.
   */
  personalTarget?: string | null;
  fn: string;
  /** aborted when the plugin call ends (result, error or timeout) */
  signal?: AbortSignal;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HostLogEntry {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
  context: HostCallContext;
}

export type HostLogSink = (entry: HostLogEntry) => void;

export interface HostHttpRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; an object or array is sent as JSON (content-type set if absent). */
  body?: string | object | null;
  timeout_ms?: number;
  /** Redirects are not followed unless asked (max 5, each hop checked against the address guard). */
  follow_redirects?: boolean;
}

export interface HostHttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** The parsed body when it is JSON, else undefined. */
  json?: unknown;
}

export interface HostMailMessage {
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  from?: string;
  reply_to?: string;
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
}

export interface HostMailResult {
  message_id: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

export type HostErrorCode =
  | 'invalid_argument' // garbage in: wrong types, missing url, bad method ...
  | 'invalid_url' // not http(s), unparsable
  | 'address_blocked' // private / loopback / link-local / metadata address, not in PLUGIN_HTTP_ALLOW
  | 'timeout' // http or smtp timeout
  | 'network_error' // DNS failure, connection refused/reset, TLS error
  | 'response_too_large'
  | 'too_many_redirects'
  | 'mail_not_configured'
  | 'smtp_error' // SMTP rejected: `responseCode` carries the SMTP reply code (4xx temporary, 5xx permanent)
  | 'too_many_requests' // more http requests in flight in one plugin call than the host allows
  | 'aborted' // the plugin call ended (result, error or timeout) while the request ran, or before it started
  | 'not_available'; // http/mail while the script is being inspected (scanning does no I/O)

export class HostApiError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
    /** Extra data visible to the script, e.g. { responseCode: 550 } for smtp_error. */
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HostApiError';
  }
}

/** What the sandbox needs from the host; implemented in host-api.ts. */
export interface HostApi {
  httpRequest(request: unknown, context: HostCallContext): Promise<HostHttpResponse>;
  mailSend(message: unknown, context: HostCallContext): Promise<HostMailResult>;
  /** Synchronous helpers; `name` is one of CRYPTO_FUNCTIONS. Garbage → HostApiError('invalid_argument'). */
  crypto(name: string, args: unknown[]): string | boolean;
  log(level: unknown, message: unknown, fields: unknown, context: HostCallContext): void;
  now(): number;
}

/**
 * crypto helpers. Data and keys are strings (UTF-8); `encoding` of the output is "hex" (default for
 * hashes) or "base64".
 *   hmacSha256(key, data, encoding?, keyEncoding?)  hmacSha1(...)   keyEncoding: "utf8" (default), "hex", "base64"
 *   sha256(data, encoding?)  sha1(data, encoding?)  md5(data, encoding?)   (hex by default)
 *   base64Encode(text)  base64Decode(b64) → text   base64UrlEncode(text)
 *   hexEncode(text)  hexDecode(hex) → text
 *   randomId() → 32 hex chars   randomUuid() → UUID v4
 *   timingSafeEqual(a, b) → boolean
 */
export const CRYPTO_FUNCTIONS = [
  'hmacSha256',
  'hmacSha1',
  'sha256',
  'sha1',
  'md5',
  'base64Encode',
  'base64Decode',
  'base64UrlEncode',
  'hexEncode',
  'hexDecode',
  'randomId',
  'randomUuid',
  'timingSafeEqual',
] as const;
