import { createTransport, type Transporter } from 'nodemailer';
import { HostApiError, type HostApiSettings, type HostMailResult } from './host-api.types.js';
import { describeType, invalidArgument, isAbsent, readRecord, readStringMap, truncate } from './host-validation.js';

/**
 * `mail.send` for plugin scripts: checks the message, sends it through one nodemailer SMTP
 * transport built from the configured SMTP_URL, and classifies failures so the notifier can tell
 * a temporary refusal (4xx) from a permanent one (5xx) by `responseCode`.
 *
 * Not done here: retries (the notifier's outbox decides), attachments (scripts have no files),
 * address-guarding the SMTP server (it comes from the admin's configuration, not from a script).
 */

const MESSAGE_KEYS = ['to', 'cc', 'bcc', 'from', 'reply_to', 'subject', 'text', 'html', 'headers'];
const MAX_RECIPIENTS = 100;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_HEADERS = 50;
/** Written by nodemailer from the message's fields; a script overriding them would corrupt the MIME structure or the envelope. */
const RESERVED_HEADERS = new Set([
  'bcc',
  'cc',
  'content-disposition',
  'content-transfer-encoding',
  'content-type',
  'from',
  'mime-version',
  'reply-to',
  'sender',
  'subject',
  'to',
]);
const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL', 'ETLS']);

interface ValidMessage {
  to: string[];
  cc: string[];
  bcc: string[];
  from: string;
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  headers: Record<string, string>;
}

export class HostMailer {
  private transport: Transporter | null = null;
  /** Credentials from the SMTP URL, scrubbed from any error text that might echo them. */
  private readonly secrets: string[];

  constructor(private readonly settings: HostApiSettings['mail']) {
    this.secrets = credentialsOf(settings.smtpUrl);
  }

  async send(raw: unknown): Promise<HostMailResult> {
    const message = this.validate(raw);
    const transport = this.transportOrThrow();
    try {
      const info = await transport.sendMail({
        from: message.from,
        to: message.to,
        cc: message.cc.length > 0 ? message.cc : undefined,
        bcc: message.bcc.length > 0 ? message.bcc : undefined,
        replyTo: message.replyTo,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: message.headers,
      });
      return {
        message_id: String(info.messageId ?? ''),
        accepted: addressList(info.accepted),
        rejected: addressList(info.rejected),
        response: String(info.response ?? ''),
      };
    } catch (error) {
      throw this.classify(error);
    }
  }

  /** Releases the transport's sockets (pooled transports keep some open). */
  close(): void {
    this.transport?.close();
    this.transport = null;
  }

  private transportOrThrow(): Transporter {
    if (this.settings.smtpUrl === null) {
      throw new HostApiError('mail_not_configured', 'mail is not configured (SMTP_URL is not set)', { responseCode: null });
    }
    if (this.transport === null) {
      const t = this.settings.timeoutMs;
      try {
        this.transport = createTransport({
          url: this.settings.smtpUrl,
          connectionTimeout: t,
          greetingTimeout: t,
          socketTimeout: t,
          dnsTimeout: t,
          // Message fields are strings only, but nodemailer could otherwise read `path`/`href`
          // content sources from disk or the network on a script's behalf.
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch {
        throw new HostApiError('mail_not_configured', 'SMTP_URL could not be used to build a mail transport', { responseCode: null });
      }
    }
    return this.transport;
  }

  private validate(raw: unknown): ValidMessage {
    const fields = readRecord(raw, 'message', MESSAGE_KEYS);
    const to = addresses(fields.to, 'to', true);
    const cc = addresses(fields.cc, 'cc', false);
    const bcc = addresses(fields.bcc, 'bcc', false);
    if (to.length + cc.length + bcc.length > MAX_RECIPIENTS) throw invalidArgument('to', `at most ${MAX_RECIPIENTS} recipients in all`);
    const from = isAbsent(fields.from) ? this.settings.from : address(fields.from, 'from');
    const replyTo = isAbsent(fields.reply_to) ? undefined : address(fields.reply_to, 'reply_to');

    if (typeof fields.subject !== 'string') throw invalidArgument('subject', `required, must be a string, got ${describeType(fields.subject)}`);
    if (/[\r\n]/.test(fields.subject)) throw invalidArgument('subject', 'must not contain line breaks');

    const text = optionalString(fields.text, 'text');
    const html = optionalString(fields.html, 'html');
    if (text === undefined && html === undefined) throw invalidArgument('text', 'text or html is required');
    if (Buffer.byteLength(text ?? '') + Buffer.byteLength(html ?? '') > MAX_BODY_BYTES) {
      throw invalidArgument(text === undefined ? 'html' : 'text', `body larger than ${MAX_BODY_BYTES} bytes`);
    }

    const headers: Record<string, string> = {};
    if (!isAbsent(fields.headers)) {
      for (const [name, value] of readStringMap(fields.headers, 'headers', MAX_HEADERS)) {
        if (RESERVED_HEADERS.has(name.toLowerCase())) throw invalidArgument(`headers.${name}`, 'is set from the message fields, remove it');
        headers[name] = value;
      }
    }
    return { to, cc, bcc, from, replyTo, subject: fields.subject, text, html, headers };
  }

  private classify(error: unknown): HostApiError {
    const err = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
    const code = typeof err.code === 'string' ? err.code : null;
    const text = this.scrub(typeof err.message === 'string' ? err.message : 'unknown error');
    if (typeof err.responseCode === 'number') {
      return new HostApiError('smtp_error', `SMTP server refused: ${text}`, { responseCode: err.responseCode });
    }
    if (code === 'ETIMEDOUT') return new HostApiError('timeout', `SMTP timeout: ${text}`, { responseCode: null });
    if (code !== null && NETWORK_CODES.has(code)) return new HostApiError('network_error', `SMTP connection failed: ${text}`, { responseCode: null });
    if (code === 'EENVELOPE' || code === 'EMESSAGE') return new HostApiError('invalid_argument', `message: ${text}`);
    return new HostApiError('smtp_error', `SMTP send failed: ${text}`, { responseCode: null });
  }

  private scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return truncate(out, 1_000);
  }
}

function credentialsOf(smtpUrl: string | null): string[] {
  if (smtpUrl === null) return [];
  try {
    const url = new URL(smtpUrl);
    const raw = [url.password, safeDecode(url.password), url.username, safeDecode(url.username)];
    // Very short values would redact ordinary words; such credentials are not worth hiding anyway.
    return [...new Set(raw.filter((s) => s.length >= 4))];
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function address(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be an address string, got ${describeType(value)}`);
  if (!value.includes('@') || /[\r\n\0]/.test(value) || value.length > 512) throw invalidArgument(field, 'is not an email address');
  return value;
}

function addresses(value: unknown, field: string, required: boolean): string[] {
  if (isAbsent(value)) {
    if (required) throw invalidArgument(field, 'required, a string or an array of strings');
    return [];
  }
  const list = Array.isArray(value) ? value : [value];
  if (required && list.length === 0) throw invalidArgument(field, 'needs at least one address');
  if (list.length > MAX_RECIPIENTS) throw invalidArgument(field, `at most ${MAX_RECIPIENTS} recipients in all`);
  return list.map((item: unknown, i) => address(item, Array.isArray(value) ? `${field}[${i}]` : field));
}

function optionalString(value: unknown, field: string): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describeType(value)}`);
  return value;
}

function addressList(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((entry: unknown) =>
    typeof entry === 'string' ? entry : typeof entry === 'object' && entry !== null && 'address' in entry ? String(entry.address) : '',
  );
}
