/**
 * Webhook notifier: POSTs each notification as JSON to one endpoint, signed the way the Standard
 * Webhooks spec describes (https://www.standardwebhooks.com, spec text:
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 *
 *   webhook-id         the notification_id: the same on every retry, so receivers deduplicate
 *   webhook-timestamp  unix seconds of this attempt
 *   webhook-signature  "v1," + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")), where key is
 *                      the base64-decoded part of the "whsec_..." secret
 *
 * Body: { "type": <event_type>, "timestamp": <occurred_at>, "data": { notification_id, title, body,
 * recipient, recipients, event: <event payload>, metadata, trace_id } }; it does not change between retries.
 *
 * params.target_url (a recipient's own endpoint, from their notification settings) replaces the
 * configured url for that notification. It is signed with params.target_secret, that endpoint's
 * own secret, never with the configured one (the operator's secret would be a valid signature for
 * the operator's own endpoint, so a recipient could replay it there); without one (a record
 * planned before targets had their own secrets) it is sent unsigned. The host vets a personal
 * target with PERSONAL_TARGET_ALLOW instead of PLUGIN_HTTP_ALLOW.
 *
 * Deliberately not done here: retries and backoff (the dispatcher owns them, this script only
 * classifies one attempt), following redirects (a moved endpoint must be reconfigured), fanning out
 * to several URLs (configure one interface per endpoint), asymmetric "v1a" signatures.
 */
/* exported version, channel, config_schema, supported_events, health_check, send */

// Seed 002's user.created, password.reset_requested and report.generated too: templates for them work with no events list.
const SYSTEM_EVENTS = ['order_paid', 'order_provisioned', 'order_cancelled', 'ticket_assigned', 'ticket_replied', 'user.created', 'password.reset_requested', 'report.generated', 'test'];
const SECRET_PATTERN = '^whsec_(?:[A-Za-z0-9+/]{4}){6,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
const MAX_RETRY_AFTER_SECONDS = 86400;

function version() {
  return '1.0.0';
}

function channel() {
  return 'webhook';
}

function config_schema() {
  return {
    type: 'object',
    title: 'Webhook (Standard Webhooks)',
    description: 'POSTs each notification as signed JSON to one HTTP(S) endpoint.',
    required: ['url', 'secret'],
    properties: {
      url: {
        type: 'string',
        format: 'uri',
        pattern: '^https?://',
        title: 'Endpoint URL',
        description: 'Where notifications are POSTed. Redirects are not followed.',
      },
      secret: {
        type: 'string',
        pattern: SECRET_PATTERN,
        writeOnly: true,
        title: 'Signing secret',
        description: 'Standard Webhooks secret: "whsec_" followed by the base64 of at least 18 random bytes (24 to 64 recommended).',
      },
      timeout_ms: {
        type: 'integer',
        minimum: 100,
        maximum: 600000,
        title: 'Timeout (ms)',
        description: 'Per-request timeout. Absent: the host default. Must not exceed the server\'s PLUGIN_TIMEOUT_MS.',
      },
      events: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        uniqueItems: true,
        title: 'Events',
        description: 'Event types this endpoint receives. Empty or absent: ' + SYSTEM_EVENTS.join(', ') + '.',
      },
    },
  };
}

function supported_events(config) {
  return eventsOf(config);
}

async function health_check(config) {
  const problem = configProblem(config);
  if (problem) return { healthy: false, error: problem };
  // Standard Webhooks defines no ping: a GET shows the endpoint answers, which is all we can know
  // without delivering a message. Any answer below 500 counts (many endpoints answer GET with 405).
  try {
    const response = await http.request(withTimeout(config, { method: 'GET', url: config.url }));
    if (response.status >= 500) return { healthy: false, error: 'endpoint answered HTTP ' + response.status };
    return { healthy: true };
  } catch (err) {
    return { healthy: false, error: 'endpoint unreachable: ' + shortMessage(err) };
  }
}

async function send(config, params) {
  const problem = configProblem(config);
  if (problem) return permanent(/^secret/.test(problem) ? 'provider_auth_failed' : 'invalid_url', problem);
  const p = params && typeof params === 'object' ? params : {};
  if (p.notification_id === undefined || p.notification_id === null || String(p.notification_id) === '') {
    return permanent('payload_invalid', 'notification_id is missing');
  }
  const id = String(p.notification_id);
  const timestamp = String(Math.floor(now() / 1000));
  const body = JSON.stringify({
    type: String(p.event_type || ''),
    timestamp: p.occurred_at || new Date(now()).toISOString(),
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
  const secret = target ? (typeof p.target_secret === 'string' && new RegExp(SECRET_PATTERN).test(p.target_secret) ? p.target_secret : null) : config.secret;
  const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp };
  if (secret) headers['webhook-signature'] = 'v1,' + signPayload(secret, id + '.' + timestamp + '.' + body);

  let response;
  try {
    response = await http.request(
      withTimeout(config, {
        method: 'POST',
        url: target || config.url,
        headers: headers,
        body: body,
      }),
    );
  } catch (err) {
    const failure = hostFailure(err);
    log.warn('webhook delivery failed', { error_code: failure.error_code, attempt: p.attempt || null });
    return failure;
  }
  const result = classifyStatus(response);
  // A delivery is in the attempt log already: a line per success only at debug level.
  (result.outcome === 'success' ? log.debug : log.info)('webhook answered', { status: response.status, outcome: result.outcome, attempt: p.attempt || null });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Classification of one attempt (seed 003 codes).

// Helpers below are `const` function expressions, not declarations, so that only the contract
// functions above are plugin functions (top-level function declarations are callable).

/** HTTP answer → outcome. Table in docs/builtin-plugins.md. */
const classifyStatus = function (response) {
  const status = response.status;
  if (status >= 200 && status < 300) return { outcome: 'success' };
  const what = 'endpoint answered HTTP ' + status;
  if (status === 408) return temporary('provider_timeout', what);
  if (status === 429) return temporary('provider_rate_limited', what, retryAfter(response.headers));
  if (status >= 500) return temporary('provider_5xx', what, retryAfter(response.headers));
  if (status === 401 || status === 403) return permanent('provider_auth_failed', what);
  if (status === 404 || status === 410) return permanent('invalid_url', what);
  if (status >= 300 && status < 400) return permanent('invalid_url', what + ' (redirects are not followed: configure the final URL)');
  if (status >= 400) return permanent('payload_invalid', what);
  return temporary('provider_5xx', what);
};

/** A host API error (err.code) → outcome. */
const hostFailure = function (err) {
  const code = err && err.code;
  const message = shortMessage(err);
  if (code === 'timeout') return temporary('provider_timeout', message);
  if (code === 'network_error') return temporary('network_error', message);
  if (code === 'invalid_url' || code === 'address_blocked' || code === 'too_many_redirects') return permanent('invalid_url', message);
  if (code === 'invalid_argument') return permanent('payload_invalid', message);
  if (code === 'response_too_large') return temporary('provider_5xx', message);
  return temporary('network_error', message);
};

const temporary = function (code, message, retryAfterSeconds) {
  const result = { outcome: 'temporary_fail', error_code: code, error_message: message };
  if (retryAfterSeconds !== null && retryAfterSeconds !== undefined) result.retry_after_seconds = retryAfterSeconds;
  return result;
};

const permanent = function (code, message) {
  return { outcome: 'permanent_fail', error_code: code, error_message: message };
};

/** Retry-After as delay-seconds or HTTP-date; null when absent or unreadable. */
const retryAfter = function (headers) {
  const value = headers && headers['retry-after'];
  if (!value) return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text), MAX_RETRY_AFTER_SECONDS);
  const at = Date.parse(text);
  if (isNaN(at)) return null;
  return Math.min(Math.max(0, Math.ceil((at - now()) / 1000)), MAX_RETRY_AFTER_SECONDS);
};

// ---------------------------------------------------------------------------------------------
// Config.

const configProblem = function (config) {
  if (!config || typeof config !== 'object') return 'config is missing';
  if (typeof config.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(config.url)) return 'url must be an http(s) URL';
  if (typeof config.secret !== 'string' || !new RegExp(SECRET_PATTERN).test(config.secret)) return 'secret must look like whsec_<base64>';
  return null;
};

const withTimeout = function (config, request) {
  if (Number.isInteger(config.timeout_ms)) request.timeout_ms = config.timeout_ms;
  return request;
};

const eventsOf = function (config) {
  const list = config && Array.isArray(config.events) ? config.events.filter((e) => typeof e === 'string' && e !== '') : [];
  return list.length > 0 ? list : SYSTEM_EVENTS.slice();
};

const shortMessage = function (err) {
  const text = err && err.message ? String(err.message) : String(err);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
};

// Standard Webhooks signature: the key is the base64 part of "whsec_...", taken as raw bytes.
const signPayload = function (secret, content) {
  return crypto.hmacSha256(secret.slice('whsec_'.length), content, 'base64', 'base64');
};

/** The recipient's own endpoint (params.target_url), when it is an http(s) URL. */
const targetOf = function (p) {
  return typeof p.target_url === 'string' && /^https?:\/\/[^\s]+$/.test(p.target_url) ? p.target_url : null;
};
