/**
 * Feishu / Lark notifier: posts each notification to a group through a custom bot webhook
 * (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot), as a text message or an
 * interactive card (config message_type).
 *
 * Signing (when the bot has "signature verification" on): timestamp = unix seconds,
 * sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, data = "")) — the doc's own samples use
 * the string-to-sign as the HMAC key over an empty message — sent as "timestamp" and "sign" beside
 * msg_type in the body. Feishu refuses timestamps more than one hour off (code 19021).
 *
 * Feishu answers HTTP 200 with { code, msg } (old deployments: { StatusCode, StatusMessage }); only
 * code 0 is a delivery. The code → outcome table is in docs/builtin-plugins.md and classifyCode().
 *
 * params.target_url (a recipient's own Feishu bot webhook, from their notification settings)
 * replaces the configured webhook_url for that notification; the configured signing secret belongs
 * to the configured bot, so a personal target is posted unsigned.
 *
 * Deliberately not done here: per-user delivery by user id (a custom bot posts to the one group it
 * belongs to, so params.recipient is ignored; per-user chat needs an app bot with an access token), @mentions,
 * rich "post" messages, retries (the dispatcher owns them), keyword management (include the bot's
 * keyword in your templates, or Feishu answers 19024).
 */
/* exported version, channel, config_schema, supported_events, health_check, send */

const SYSTEM_EVENTS = ['order_paid', 'order_provisioned', 'order_cancelled', 'ticket_assigned', 'ticket_replied', 'test'];
const CARD_TEMPLATES = ['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey'];
/** Feishu refuses bodies above 20 KB; leave room for the envelope and the UTF-8 expansion of CJK text. */
const MAX_TEXT_CHARS = 5000;
const MAX_RETRY_AFTER_SECONDS = 86400;

function version() {
  return '1.0.0';
}

function channel() {
  return 'chat';
}

function config_schema() {
  return {
    type: 'object',
    title: 'Feishu / Lark custom bot',
    description: 'Posts notifications to a Feishu or Lark group through a custom bot webhook.',
    required: ['webhook_url'],
    properties: {
      webhook_url: {
        type: 'string',
        format: 'uri',
        pattern: '^https?://',
        writeOnly: true,
        title: 'Webhook URL',
        description: 'The bot\'s address, e.g. https://open.feishu.cn/open-apis/bot/v2/hook/<token> (the token is a credential).',
      },
      secret: {
        type: 'string',
        minLength: 1,
        writeOnly: true,
        title: 'Signing secret',
        description: 'Set when the bot has signature verification on (security settings → signature).',
      },
      message_type: {
        type: 'string',
        enum: ['text', 'card'],
        default: 'text',
        title: 'Message type',
        description: 'text: title and body as plain text; card: an interactive card with the title as header.',
      },
      card_template: {
        type: 'string',
        enum: CARD_TEMPLATES,
        default: 'blue',
        title: 'Card header colour',
        description: 'Only for message_type card.',
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
        description: 'Event types posted to this group. Empty or absent: ' + SYSTEM_EVENTS.join(', ') + '.',
      },
    },
  };
}

function supported_events(config) {
  const list = config && Array.isArray(config.events) ? config.events.filter((e) => typeof e === 'string' && e !== '') : [];
  return list.length > 0 ? list : SYSTEM_EVENTS.slice();
}

/**
 * Probes the webhook without posting anything: a signed body with no msg_type is refused by Feishu
 * after it has checked the token, signature and IP allowlist, so the code tells which check failed.
 */
async function health_check(config) {
  const problem = configProblem(config);
  if (problem) return { healthy: false, error: problem };
  let response;
  try {
    response = await http.request(requestOf(config, {}));
  } catch (err) {
    return { healthy: false, error: 'webhook unreachable: ' + shortMessage(err) };
  }
  if (response.status >= 500) return { healthy: false, error: 'Feishu answered HTTP ' + response.status };
  const reply = replyOf(response);
  if (!reply) return { healthy: false, error: 'not a Feishu webhook: HTTP ' + response.status + ' without a { code } body' };
  const verdict = classifyCode(reply.code, reply.msg);
  if (verdict && (verdict.error_code === 'provider_auth_failed' || verdict.error_code === 'invalid_url')) {
    return { healthy: false, error: 'Feishu code ' + reply.code + ': ' + reply.msg };
  }
  return { healthy: true };
}

async function send(config, params) {
  const problem = configProblem(config);
  if (problem) return permanent('invalid_url', problem);
  const p = params && typeof params === 'object' ? params : {};
  const title = clip(String(p.title || p.event_type || 'Notification'), 200);
  const body = clip(p.body === undefined || p.body === null ? '' : String(p.body), MAX_TEXT_CHARS);

  let message;
  if (config.message_type === 'card') {
    const footer = [p.event_type, p.occurred_at].filter((part) => part).join(' · ');
    const elements = [{ tag: 'div', text: { tag: 'lark_md', content: body || ' ' } }];
    if (footer) elements.push({ tag: 'note', elements: [{ tag: 'plain_text', content: String(footer) }] });
    message = {
      msg_type: 'interactive',
      card: {
        config: { wide_screen_mode: true },
        header: { title: { tag: 'plain_text', content: title }, template: CARD_TEMPLATES.indexOf(config.card_template) >= 0 ? config.card_template : 'blue' },
        elements: elements,
      },
    };
  } else {
    message = { msg_type: 'text', content: { text: body ? title + '\n' + body : title } };
  }

  const personal = typeof p.target_url === 'string' && /^https?:\/\/[^\s]+$/.test(p.target_url) ? p.target_url : null;
  let response;
  try {
    response = await http.request(personal ? requestOf({ webhook_url: personal, timeout_ms: config.timeout_ms }, message) : requestOf(config, message));
  } catch (err) {
    const failure = hostFailure(err);
    log.warn('feishu delivery failed', { error_code: failure.error_code, attempt: p.attempt || null });
    return failure;
  }
  const result = classifyResponse(response);
  log.info('feishu answered', { status: response.status, feishu_code: feishuCodeOf(response), outcome: result.outcome, attempt: p.attempt || null });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Classification.

// Helpers below are `const` function expressions, not declarations, so that only the contract
// functions above are plugin functions (top-level function declarations are callable).

const classifyResponse = function (response) {
  const status = response.status;
  if (status === 429) return temporary('provider_rate_limited', 'Feishu answered HTTP 429', retryAfter(response.headers));
  if (status >= 500) return temporary('provider_5xx', 'Feishu answered HTTP ' + status, retryAfter(response.headers));
  const reply = replyOf(response);
  if (reply) {
    if (reply.code === 0) return { outcome: 'success' };
    return classifyCode(reply.code, reply.msg);
  }
  if (status === 401 || status === 403) return permanent('provider_auth_failed', 'Feishu answered HTTP ' + status);
  if (status === 404 || status === 410) return permanent('invalid_url', 'Feishu answered HTTP ' + status + ': check the webhook URL');
  if (status >= 400) return permanent('payload_invalid', 'Feishu answered HTTP ' + status);
  // 2xx without { code }: a proxy or an outage page, not Feishu's answer.
  return temporary('provider_5xx', 'unexpected answer: HTTP ' + status + ' without a { code } body');
};

/** Feishu business code → outcome (null for 0). See docs/builtin-plugins.md for sources. */
const classifyCode = function (code, msg) {
  const what = 'Feishu code ' + code + ': ' + clip(msg || '', 200);
  if (code === 0) return null;
  if (code === 11232) return temporary('provider_rate_limited', what);
  if (code === 9499) {
    // 9499 is Feishu's generic "Bad Request"; the gateway also uses it for "too many request".
    return /too many|frequency|rate limit/i.test(msg || '') ? temporary('provider_rate_limited', what) : permanent('payload_invalid', what);
  }
  if (code === 19001 && /token/i.test(msg || '')) return permanent('invalid_url', what);
  if (code === 19021 || code === 19022 || code === 19024) return permanent('provider_auth_failed', what);
  return permanent('payload_invalid', what);
};

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

/** { code, msg } from a Feishu answer (either field spelling), or null when the body is not one. */
const replyOf = function (response) {
  let json = response.json;
  if (json === undefined && typeof response.body === 'string' && response.body.trim().charAt(0) === '{') {
    try {
      json = JSON.parse(response.body);
    } catch {
      json = undefined;
    }
  }
  if (!json || typeof json !== 'object') return null;
  if (typeof json.code === 'number') return { code: json.code, msg: String(json.msg || '') };
  if (typeof json.StatusCode === 'number') return { code: json.StatusCode, msg: String(json.StatusMessage || '') };
  return null;
};

const feishuCodeOf = function (response) {
  const reply = replyOf(response);
  return reply ? reply.code : null;
};

const temporary = function (code, message, retryAfterSeconds) {
  const result = { outcome: 'temporary_fail', error_code: code, error_message: message };
  if (retryAfterSeconds !== null && retryAfterSeconds !== undefined) result.retry_after_seconds = retryAfterSeconds;
  return result;
};

const permanent = function (code, message) {
  return { outcome: 'permanent_fail', error_code: code, error_message: message };
};

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
// Helpers.

const requestOf = function (config, message) {
  const request = { method: 'POST', url: config.webhook_url, headers: { 'content-type': 'application/json' }, body: signed(config, message) };
  if (Number.isInteger(config.timeout_ms)) request.timeout_ms = config.timeout_ms;
  return request;
};

/** The message with timestamp and sign added when a secret is configured. */
const signed = function (config, message) {
  if (!config.secret) return message;
  const timestamp = String(Math.floor(now() / 1000));
  const sign = crypto.hmacSha256(timestamp + '\n' + config.secret, '', 'base64');
  const out = { timestamp: timestamp, sign: sign };
  for (const key in message) out[key] = message[key];
  return out;
};

const configProblem = function (config) {
  if (!config || typeof config !== 'object') return 'config is missing';
  if (typeof config.webhook_url !== 'string' || !/^https?:\/\/[^\s]+$/.test(config.webhook_url)) return 'webhook_url must be an http(s) URL';
  if (config.secret !== undefined && config.secret !== null && typeof config.secret !== 'string') return 'secret must be a string';
  if (config.message_type !== undefined && config.message_type !== 'text' && config.message_type !== 'card') return 'message_type must be text or card';
  return null;
};

const clip = function (text, max) {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
};

const shortMessage = function (err) {
  const text = err && err.message ? String(err.message) : String(err);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
};
