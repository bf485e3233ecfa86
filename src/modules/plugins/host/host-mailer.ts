import { createTransport, type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { HostApiError, type HostApiSettings, type HostMailResult } from './host-api.types.js';
import { describeType, invalidArgument, isAbsent, readRecord, readStringMap, truncate } from './host-validation.js';

/**
 * `mail.send` for plugin scripts: checks the message, sends it through one nodemailer SMTP
 * transport built from the configured SMTP_URL, and classifies failures so the notifier can tell
 * a temporary refusal (4xx) from a permanent one (5xx) by `responseCode`.
 *
 * What a script may not forge: recipients are parsed (nodemailer's addressparser), so every
 * address of a comma-separated or grouped string counts against the cap; `from` is one address
 * on SMTP_FROM's domain or one the settings allow (`allowedSenders`); trace and authentication
 * headers (Date, Received, Return-Path, Sender, DKIM/ARC signatures, Resent-*) are the host's and
 * the relay's to write. A Message-ID may be set, as one well-formed `<left@domain>`: a stable id is
 * how a notifier lets recipients deduplicate its retries (the built-in email plugin relies on it),
 * and its domain is no authenticated identity the way From's is (receivers check From against
 * SPF/DKIM/DMARC and people read it; nothing checks a Message-ID's domain), so it is only kept
 * from smuggling anything else into the header.
 *
 * Not done here: retries (the notifier's outbox decides), attachments (scripts have no files),
 * address-guarding the SMTP server (it comes from the admin's configuration, not from a script),
 * aborting a send in progress when the plugin call ends (a transaction cut in DATA leaves the
 * script unable to tell whether the mail went out; a send not yet started is refused).
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
/** Trace and authentication headers: the host and the relays write them; a script setting one forges provenance. */
const TRACE_HEADERS = new Set(['authentication-results', 'date', 'dkim-signature', 'domainkey-signature', 'received', 'received-spf', 'return-path']);
const TRACE_HEADER_PREFIXES = ['arc-', 'resent-'];
/** RFC 5322 msg-id in its dot-atom form: `<left@right>`, no comments, no whitespace. */
const MESSAGE_ID = /^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>$/;
const MAX_MESSAGE_ID_CHARS = 250;
const MAX_ADDRESS_FIELD_CHARS = 32 * 1024;
const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL', 'ETLS']);

interface Mailbox {
  name: string;
  address: string;
}

interface ValidMessage {
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  from: Mailbox | string;
  replyTo?: Mailbox;
  subject: string;
  text?: string;
  html?: string;
  headers: Record<string, string>;
}

export class HostMailer {
  private transport: Transporter | null = null;
  /** Credentials from the SMTP URL, scrubbed from any error text that might echo them. */
  private readonly secrets: string[];
  private readonly senders: SenderPolicy;

  constructor(private readonly settings: HostApiSettings['mail']) {
    this.secrets = credentialsOf(settings.smtpUrl);
    this.senders = senderPolicy(settings);
  }

  /** `callSignal`: aborted when the plugin call ends; a send is then refused (one under way finishes). */
  async send(raw: unknown, callSignal?: AbortSignal): Promise<HostMailResult> {
    if (callSignal?.aborted) throw new HostApiError('aborted', 'mail.send refused: the plugin call has ended');
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
    let from: Mailbox | string = this.settings.from;
    if (!isAbsent(fields.from)) {
      from = singleAddress(fields.from, 'from');
      if (!this.senders.allowsAddress(from.address)) {
        throw invalidArgument('from', 'is not an allowed sender (an address on the SMTP_FROM domain, or one the operator allows)');
      }
    }
    const replyTo = isAbsent(fields.reply_to) ? undefined : singleAddress(fields.reply_to, 'reply_to');

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
        const lower = name.toLowerCase();
        if (RESERVED_HEADERS.has(lower)) throw invalidArgument(`headers.${name}`, 'is set from the message fields, remove it');
        if (TRACE_HEADERS.has(lower) || TRACE_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
          throw invalidArgument(`headers.${name}`, 'is written by the host or the mail relays; a script may not set it');
        }
        if (lower === 'message-id' && (value.length > MAX_MESSAGE_ID_CHARS || !MESSAGE_ID.test(value))) {
          throw invalidArgument(`headers.${name}`, 'must be one message id of the form <id@domain>');
        }
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

/**
 * Every mailbox in one address string: "a@x", "A <a@x>, b@y", "team: a@x, b@y;" (groups are
 * flattened). Each must be an address; the string must not carry header line breaks.
 */
function mailboxes(value: unknown, field: string): Mailbox[] {
  if (typeof value !== 'string') throw invalidArgument(field, `must be an address string, got ${describeType(value)}`);
  if (/[\r\n\0]/.test(value) || value.length > MAX_ADDRESS_FIELD_CHARS) throw invalidArgument(field, 'is not an email address');
  let parsed: { name: string; address?: string }[];
  try {
    parsed = addressparser(value, { flatten: true });
  } catch {
    throw invalidArgument(field, 'is not an email address');
  }
  if (parsed.length === 0) throw invalidArgument(field, 'is not an email address');
  return parsed.map((entry) => {
    const address = entry.address ?? '';
    if (!/^[^\s@]+@[^\s@]+$/.test(address) || address.length > 320) throw invalidArgument(field, 'is not an email address');
    return { name: entry.name, address };
  });
}

function singleAddress(value: unknown, field: string): Mailbox {
  const list = mailboxes(value, field);
  if (list.length !== 1) throw invalidArgument(field, 'must be exactly one address');
  return list[0];
}

function addresses(value: unknown, field: string, required: boolean): Mailbox[] {
  if (isAbsent(value)) {
    if (required) throw invalidArgument(field, 'required, a string or an array of strings');
    return [];
  }
  const list = Array.isArray(value) ? value : [value];
  if (required && list.length === 0) throw invalidArgument(field, 'needs at least one address');
  if (list.length > MAX_RECIPIENTS) throw invalidArgument(field, `at most ${MAX_RECIPIENTS} recipients in all`);
  const out: Mailbox[] = [];
  for (const [i, item] of list.entries()) {
    out.push(...mailboxes(item, Array.isArray(value) ? `${field}[${i}]` : field));
    if (out.length > MAX_RECIPIENTS) throw invalidArgument('to', `at most ${MAX_RECIPIENTS} recipients in all`);
  }
  return out;
}

interface SenderPolicy {
  allowsAddress(address: string): boolean;
}

/**
 * Who a script may send as: any address on SMTP_FROM's domain or on an "@domain" entry of
 * `allowedSenders`, and each address listed there exactly; "*" allows anyone.
 */
function senderPolicy(settings: HostApiSettings['mail']): SenderPolicy {
  const entries = (settings.allowedSenders ?? []).map((entry) => entry.trim().toLowerCase());
  if (entries.includes('*')) return { allowsAddress: () => true };
  const senderDomains = new Set<string>();
  const exact = new Set<string>();
  try {
    for (const entry of addressparser(settings.from, { flatten: true })) {
      const address = (entry.address ?? '').toLowerCase();
      if (address.includes('@')) senderDomains.add(domainOf(address));
    }
  } catch {
    // An unparsable SMTP_FROM allows no script-chosen sender of its own.
  }
  for (const entry of entries) {
    if (entry.startsWith('@')) senderDomains.add(entry.slice(1));
    else if (entry.includes('@')) exact.add(entry);
  }
  return { allowsAddress: (address) => exact.has(address.toLowerCase()) || senderDomains.has(domainOf(address.toLowerCase())) };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
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
