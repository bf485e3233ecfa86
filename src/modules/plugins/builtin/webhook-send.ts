import type { HostHttpResponse } from '../host/host-api.types.js';
import type { SendErrorCode, SendResult } from '../plugin-results.js';
import type { BuiltinHost } from './builtin-host.js';

/**
 * send() of the shipped webhook notifier (plugins/notifier/webhook.js), as host code: the same
 * request, the same signature, the same classification and the same log lines, statement for
 * statement. The script stays the definition (its header documents the contract; config_schema,
 * supported_events and health_check still run in the sandbox); this twin runs only while the
 * stored script is exactly the shipped one (trusted-builtins.ts pins its sha256), and
 * test/plugins/notifier-webhook.e2e-spec.ts runs every case against both.
 *
 * Why a twin: the sandbox costs a QuickJS call, two thread hops and the host bridge per delivery,
 * several times what the request itself costs (docs/performance.md).
 */

const SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){6,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;
const MAX_RETRY_AFTER_SECONDS = 86400;

type Params = Record<string, unknown>;
type Failure = SendResult & { error_code: SendErrorCode };

export async function webhookSend(config: unknown, params: unknown, host: BuiltinHost): Promise<SendResult> {
  const problem = configProblem(config);
  if (problem) return permanent(problem.startsWith('secret') ? 'provider_auth_failed' : 'invalid_url', problem);
  const c = config as { url: string; secret: string; timeout_ms?: unknown };
  const p: Params = params && typeof params === 'object' ? (params as Params) : {};
  if (p.notification_id === undefined || p.notification_id === null || jsString(p.notification_id) === '') {
    return permanent('payload_invalid', 'notification_id is missing');
  }
  const id = jsString(p.notification_id);
  const timestamp = String(Math.floor(host.now() / 1000));
  const body = JSON.stringify({
    type: jsString(p.event_type || ''),
    timestamp: p.occurred_at || new Date(host.now()).toISOString(),
    data: {
      notification_id: id,
      title: p.title === undefined ? null : p.title,
      body: p.body === undefined ? null : p.body,
      recipient: p.recipient === undefined ? null : p.recipient,
      recipients: Array.isArray(p.recipients) ? p.recipients : [],
      event: p.data === undefined ? null : p.data,
      metadata: p.metadata || {},
      trace_id: p.trace_id || null,
    },
  });
  const target = targetOf(p);
  const secret = target ? (typeof p.target_secret === 'string' && SECRET_PATTERN.test(p.target_secret) ? p.target_secret : null) : c.secret;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp };
  if (secret) headers['webhook-signature'] = `v1,${host.hmacSha256Base64(secret.slice('whsec_'.length), `${id}.${timestamp}.${body}`)}`;

  let response: HostHttpResponse;
  try {
    response = await host.httpRequest(withTimeout(c, { method: 'POST', url: target || c.url, headers, body }));
  } catch (err) {
    const failure = hostFailure(err);
    host.log('warn', 'webhook delivery failed', { error_code: failure.error_code, attempt: p.attempt || null });
    return failure;
  }
  const result = classifyStatus(response, host.now());
  // A delivery is in the attempt log already: a line per success only at debug level.
  host.log(result.outcome === 'success' ? 'debug' : 'info', 'webhook answered', { status: response.status, outcome: result.outcome, attempt: p.attempt || null });
  return result;
}

/** HTTP answer → outcome. Table in docs/builtin-plugins.md. */
function classifyStatus(response: HostHttpResponse, now: number): SendResult {
  const status = response.status;
  if (status >= 200 && status < 300) return { outcome: 'success' };
  const what = `endpoint answered HTTP ${status}`;
  if (status === 408) return temporary('provider_timeout', what);
  if (status === 429) return temporary('provider_rate_limited', what, retryAfter(response.headers, now));
  if (status >= 500) return temporary('provider_5xx', what, retryAfter(response.headers, now));
  if (status === 401 || status === 403) return permanent('provider_auth_failed', what);
  if (status === 404 || status === 410) return permanent('invalid_url', what);
  if (status >= 300 && status < 400) return permanent('invalid_url', `${what} (redirects are not followed: configure the final URL)`);
  if (status >= 400) return permanent('payload_invalid', what);
  return temporary('provider_5xx', what);
}

/** A host API error (err.code) → outcome. */
function hostFailure(err: unknown): Failure {
  const code = (err as { code?: unknown } | null)?.code;
  const message = shortMessage(err);
  if (code === 'timeout') return temporary('provider_timeout', message);
  if (code === 'network_error') return temporary('network_error', message);
  if (code === 'invalid_url' || code === 'address_blocked' || code === 'too_many_redirects') return permanent('invalid_url', message);
  if (code === 'invalid_argument') return permanent('payload_invalid', message);
  if (code === 'response_too_large') return temporary('provider_5xx', message);
  return temporary('network_error', message);
}

function temporary(code: SendErrorCode, message: string, retryAfterSeconds?: number | null): Failure {
  const result: Failure = { outcome: 'temporary_fail', error_code: code, error_message: message };
  if (retryAfterSeconds !== null && retryAfterSeconds !== undefined) result.retry_after_seconds = retryAfterSeconds;
  return result;
}

function permanent(code: SendErrorCode, message: string): Failure {
  return { outcome: 'permanent_fail', error_code: code, error_message: message };
}

/** Retry-After as delay-seconds or HTTP-date; null when absent or unreadable. */
function retryAfter(headers: Record<string, string> | undefined, now: number): number | null {
  const value = headers?.['retry-after'];
  if (!value) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_RETRY_AFTER_SECONDS);
  const at = Date.parse(text);
  if (isNaN(at)) return null;
  return Math.min(Math.max(0, Math.ceil((at - now) / 1000)), MAX_RETRY_AFTER_SECONDS);
}

function configProblem(config: unknown): string | null {
  if (!config || typeof config !== 'object') return 'config is missing';
  const { url, secret } = config as { url?: unknown; secret?: unknown };
  if (typeof url !== 'string' || !HTTP_URL.test(url)) return 'url must be an http(s) URL';
  if (typeof secret !== 'string' || !SECRET_PATTERN.test(secret)) return 'secret must look like whsec_<base64>';
  return null;
}

function withTimeout<R extends object>(config: { timeout_ms?: unknown }, request: R): R & { timeout_ms?: number } {
  return Number.isInteger(config.timeout_ms) ? { ...request, timeout_ms: config.timeout_ms as number } : request;
}

function shortMessage(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  const text = message ? jsString(message) : jsString(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The recipient's own endpoint (params.target_url), when it is an http(s) URL. */
function targetOf(p: Params): string | null {
  return typeof p.target_url === 'string' && HTTP_URL.test(p.target_url) ? p.target_url : null;
}

/** String(value) as the script computes it, whatever the value (an object gives "[object Object]" there too). */
function jsString(value: unknown): string {
  return String(value);
}
