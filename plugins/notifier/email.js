/**
 * Email notifier: sends each notification as one mail through the host's SMTP transport
 * (`mail.send`, configured by the operator with SMTP_URL; see nodemailer's SMTP transport,
 * https://nodemailer.com/smtp/). SMTP reply codes follow RFC 5321 §4.2
 * (https://www.rfc-editor.org/rfc/rfc5321#section-4.2): 4xx is "try again later", 5xx is final.
 *
 * Recipient: params.recipient (an address, or several separated by commas), else the configured
 * default_to. Neither → skipped with recipient_missing (the person simply has no address on file).
 * Every attempt of one notification carries the same Message-ID (<notification_id@message_id_domain>)
 * so mail clients and archives can drop a duplicate caused by a retry.
 *
 * Deliberately not done here: SMTP server settings (the operator's SMTP_URL, not per interface),
 * attachments, templating (title/body arrive rendered), retries (the dispatcher owns them), and
 * a real SMTP probe in health_check (the host API has no "verify" call: see docs/builtin-plugins.md).
 */
/* exported version, channel, config_schema, supported_events, health_check, send */

// Seed 002's user.created, password.reset_requested and report.generated too: templates for them work with no events list.
const SYSTEM_EVENTS = ['order_paid', 'order_provisioned', 'order_cancelled', 'ticket_assigned', 'ticket_replied', 'user.created', 'password.reset_requested', 'report.generated', 'test'];
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;
// A sender as SMTP_FROM writes it: an address, or a display name (plain, or quoted to hold a comma)
// and the address in angle brackets. No line breaks, so it cannot add a header.
const MAILBOX_PATTERN = '^(?:(?:"[^"\\r\\n]{0,100}"|[^<>\\r\\n",;@]{1,100})\\s*<[^\\s@<>,;"]+@[^\\s@<>,;"]+\\.[^\\s@<>,;"]+>|[^\\s@<>,;"]+@[^\\s@<>,;"]+\\.[^\\s@<>,;"]+)$';
const MAILBOX = new RegExp(MAILBOX_PATTERN);

function version() {
  return '1.2.0';
}

function channel() {
  return 'email';
}

function config_schema() {
  return {
    type: 'object',
    title: 'Email (SMTP)',
    description: 'Sends notifications by email through the SMTP server the operator configured (SMTP_URL).',
    properties: {
      from: {
        type: 'string',
        pattern: MAILBOX_PATTERN,
        title: 'From address',
        description: 'Sender: an address, or a name and the address as SMTP_FROM takes them (Acme Billing <billing@acme.example>). Absent: the operator default (SMTP_FROM).',
      },
      reply_to: { type: 'string', format: 'email', title: 'Reply-To', description: 'Where replies go, if not to the sender.' },
      default_to: {
        type: 'array',
        items: { type: 'string', format: 'email' },
        title: 'Default recipients',
        description: 'Used when a notification has no recipient of its own (e.g. the admin notify address).',
      },
      bcc: { type: 'array', items: { type: 'string', format: 'email' }, title: 'Bcc', description: 'Blind copies of every mail (archive, audit).' },
      subject_prefix: { type: 'string', maxLength: 100, title: 'Subject prefix', description: 'Put before every subject, e.g. "[Acme Billing] ".' },
      html: {
        type: 'boolean',
        default: false,
        title: 'Send HTML too',
        description: 'Also send an HTML part (the body, escaped, line breaks kept) next to the plain-text one.',
      },
      message_id_domain: {
        type: 'string',
        pattern: '^[A-Za-z0-9.-]+$',
        default: 'switchboard.local',
        title: 'Message-ID domain',
        description: 'Right-hand side of the stable Message-ID <notification_id@domain>.',
      },
      events: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        uniqueItems: true,
        title: 'Events',
        description: 'Event types this interface sends. Empty or absent: ' + SYSTEM_EVENTS.join(', ') + '.',
      },
    },
  };
}

function supported_events(config) {
  const list = config && Array.isArray(config.events) ? config.events.filter((e) => typeof e === 'string' && e !== '') : [];
  return list.length > 0 ? list : SYSTEM_EVENTS.slice();
}

function health_check(config) {
  // Without a host "verify" call, the honest check is the configuration itself.
  const problem = configProblem(config || {});
  return problem ? { healthy: false, error: problem } : { healthy: true };
}

async function send(config, params) {
  const cfg = config && typeof config === 'object' ? config : {};
  const p = params && typeof params === 'object' ? params : {};
  const problem = configProblem(cfg);
  if (problem) return permanent('payload_invalid', problem);
  if (p.notification_id === undefined || p.notification_id === null || String(p.notification_id) === '') {
    return permanent('payload_invalid', 'notification_id is missing');
  }

  const to = recipientsOf(p.recipient, cfg.default_to);
  if (to.length === 0) return { outcome: 'skipped', error_code: 'recipient_missing', error_message: 'no recipient and no default_to configured' };
  const bad = to.filter((address) => !ADDRESS.test(address));
  if (bad.length > 0) return permanent('recipient_missing', 'not an email address: ' + bad.join(', ').slice(0, 200));

  const subject = ((cfg.subject_prefix || '') + String(p.title || p.event_type || 'Notification')).replace(/[\r\n]+/g, ' ').slice(0, 250);
  const body = p.body === undefined || p.body === null ? '' : String(p.body);
  // An email template's body is HTML (its values arrive HTML-escaped): sent as the HTML part, with
  // a plain-text part derived from it. A plain body is the text part (and, with html on, escaped).
  const isHtml = p.body_format === 'html';
  const text = isHtml ? textOfHtml(body) : body;
  const domain = cfg.message_id_domain || 'switchboard.local';
  const message = {
    to: to,
    subject: subject,
    text: text,
    headers: {
      'Message-ID': '<' + String(p.notification_id).replace(/[^A-Za-z0-9._-]/g, '_') + '@' + domain + '>',
      'X-Switchboard-Notification-Id': String(p.notification_id),
      'X-Switchboard-Event': String(p.event_type || ''),
    },
  };
  if (cfg.from) message.from = cfg.from;
  if (cfg.reply_to) message.reply_to = cfg.reply_to;
  if (Array.isArray(cfg.bcc) && cfg.bcc.length > 0) message.bcc = cfg.bcc;
  if (isHtml) message.html = htmlDocument(subject, /<[a-z!/][^>]*>/i.test(body) ? body : body.replace(/\r?\n/g, '<br>\n'));
  else if (cfg.html === true) message.html = htmlOf(subject, text);

  let result;
  try {
    result = await mail.send(message);
  } catch (err) {
    const failure = mailFailure(err);
    log.warn('email not sent', { error_code: failure.error_code, smtp_code: smtpCodeOf(err), attempt: p.attempt || null });
    return failure;
  }
  if (result.rejected && result.rejected.length > 0) {
    // Some recipients accepted: the mail went out; the refused ones are reported, not retried.
    log.warn('email partly refused', { accepted: result.accepted.length, rejected: result.rejected.length });
  } else {
    log.info('email sent', { recipients: to.length, attempt: p.attempt || null });
  }
  return { outcome: 'success', provider_message_id: result.message_id || null };
}

// ---------------------------------------------------------------------------------------------

// Helpers below are `const` function expressions, not declarations, so that only the contract
// functions above are plugin functions (top-level function declarations are callable).

/** A host mail error (err.code, err.responseCode) → outcome. Table in docs/builtin-plugins.md. */
const mailFailure = function (err) {
  const code = err && err.code;
  const message = shortMessage(err);
  if (code === 'timeout') return temporary('provider_timeout', message);
  if (code === 'network_error') return temporary('network_error', message);
  if (code === 'mail_not_configured') return permanent('invalid_url', 'SMTP is not configured on this server (SMTP_URL)');
  if (code === 'invalid_argument') return permanent('payload_invalid', message);
  if (code !== 'smtp_error') return temporary('network_error', message);

  const smtp = smtpCodeOf(err);
  if (smtp === null) return temporary('provider_5xx', message);
  if (smtp >= 400 && smtp < 500) {
    // 421/450/451/452 and friends: greylisting, throttling, full queues. Throttling says so in the text.
    if (/rate|too many|throttl|limit/i.test(message)) return temporary('provider_rate_limited', message);
    return temporary('provider_5xx', message);
  }
  if (smtp === 530 || smtp === 534 || smtp === 535 || smtp === 538) return permanent('provider_auth_failed', message);
  if (smtp === 550 || smtp === 551 || smtp === 553) return permanent('recipient_missing', message);
  return permanent('payload_invalid', message);
};

const smtpCodeOf = function (err) {
  if (!err) return null;
  const value = typeof err.responseCode === 'number' ? err.responseCode : err.data && typeof err.data.responseCode === 'number' ? err.data.responseCode : null;
  return value;
};

const temporary = function (code, message) {
  return { outcome: 'temporary_fail', error_code: code, error_message: message };
};

const permanent = function (code, message) {
  return { outcome: 'permanent_fail', error_code: code, error_message: message };
};

const recipientsOf = function (recipient, defaults) {
  if (typeof recipient === 'string' && recipient.trim() !== '') {
    return recipient.split(/[,;]/).map((s) => s.trim()).filter((s) => s !== '');
  }
  return Array.isArray(defaults) ? defaults.filter((s) => typeof s === 'string' && s.trim() !== '').map((s) => s.trim()) : [];
};

const configProblem = function (cfg) {
  if (cfg.from !== undefined && (typeof cfg.from !== 'string' || !MAILBOX.test(cfg.from))) return 'from is not an email address (or Name <address>)';
  if (cfg.reply_to !== undefined && (typeof cfg.reply_to !== 'string' || !ADDRESS.test(cfg.reply_to))) return 'reply_to is not an email address';
  for (const field of ['default_to', 'bcc']) {
    const list = cfg[field];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || !ADDRESS.test(a))) return field + ' must be a list of email addresses';
  }
  if (cfg.message_id_domain !== undefined && !/^[A-Za-z0-9.-]+$/.test(String(cfg.message_id_domain))) return 'message_id_domain is not a domain';
  return null;
};

const htmlOf = function (title, text) {
  return htmlDocument(title, escapeHtml(text).replace(/\r?\n/g, '<br>\n'));
};

/** An HTML body as a whole document, unless it is one already. */
const htmlDocument = function (title, html) {
  if (/<html[\s>]/i.test(html)) return html;
  return '<!doctype html><html><head><meta charset="utf-8"><title>' + escapeHtml(title) + '</title></head><body>' + html + '</body></html>';
};

/** The plain-text part of an HTML body: line breaks where blocks end, no tags, entities decoded. */
const textOfHtml = function (html) {
  return String(html)
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*?href\s*=\s*"([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|table|blockquote)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, decodeEntity)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
};

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

const decodeEntity = function (match, name) {
  if (name[0] === '#') {
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : match;
  }
  const known = ENTITIES[name.toLowerCase()];
  return known === undefined ? match : known;
};

const escapeHtml = function (text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
};

const shortMessage = function (err) {
  const text = err && err.message ? String(err.message) : String(err);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
};
