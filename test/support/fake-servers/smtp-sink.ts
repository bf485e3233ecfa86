import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

/**
 * A local SMTP server for tests: accepts mail on 127.0.0.1, parses each message (mailparser) and
 * records it, or refuses RCPT TO / DATA with a chosen reply code to exercise 4xx/5xx handling.
 *
 *   const sink = await SmtpSink.start();
 *   ... settings.mail.smtpUrl = sink.url() ...
 *   expect(sink.messages[0]?.subject).toBe('Invoice paid');
 *   sink.rejectRcpt(451);           // every recipient refused with "451 ..."
 *   sink.reset();                   // accept again, forget messages
 *   await sink.close();
 *
 * A message is recorded before the server answers 250 to DATA, so once the client's send resolves
 * the message is in `messages`. STARTTLS is not offered (plain local connection).
 */

export interface ReceivedMail {
  /** SMTP envelope (MAIL FROM / RCPT TO), which is where bcc recipients show up. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** Header addresses, bare (no display names). */
  from: string[];
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string | null;
  messageId: string | null;
  /** Lower-case header name → value as text. */
  headers: Record<string, string>;
  raw: string;
}

export interface SmtpSinkOptions {
  /** Require AUTH PLAIN/LOGIN with these credentials (allowed without TLS). */
  auth?: { user: string; pass: string };
}

interface Rejection {
  code: number;
  message: string;
  match: (address: string) => boolean;
}

export class SmtpSink {
  /** Every accepted message, in order. */
  readonly messages: ReceivedMail[] = [];
  private rcptRejection: Rejection | null = null;
  private dataRejection: Omit<Rejection, 'match'> | null = null;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    let sink: SmtpSink | null = null;
    const server = new SMTPServer({
      authOptional: options.auth === undefined,
      allowInsecureAuth: true,
      hideSTARTTLS: true,
      disableReverseLookup: true,
      logger: false,
      closeTimeout: 100,
      onAuth(auth, _session, callback) {
        const ok = options.auth !== undefined && auth.username === options.auth.user && auth.password === options.auth.pass;
        if (ok) return callback(null, { user: auth.username });
        callback(smtpError(535, 'Authentication credentials invalid'));
      },
      onRcptTo(address, _session, callback) {
        const rejection = sink?.rcptRejection;
        if (rejection && rejection.match(address.address)) return callback(smtpError(rejection.code, rejection.message));
        callback();
      },
      onData(stream, session, callback) {
        void sink!.receive(stream, session.envelope.mailFrom ? session.envelope.mailFrom.address : '', session.envelope.rcptTo.map((r) => r.address)).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    // smtp-server reports client-side socket errors here; a test sink must not crash on them.
    server.on('error', () => undefined);
    sink = new SmtpSink(server, (server.server.address() as AddressInfo).port);
    return sink;
  }

  /** smtp://127.0.0.1:<port>, with credentials when given. */
  url(credentials?: { user: string; pass: string }): string {
    const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@` : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /**
   * Refuses RCPT TO with `code` (e.g. 451 temporary, 550 permanent) for recipients matching
   * `match` (default: all). Lasts until reset().
   */
  rejectRcpt(code: number, message = 'Recipient refused by test', match: (address: string) => boolean = () => true): void {
    this.rcptRejection = { code, message, match };
  }

  /** Refuses every message at the end of DATA with `code`. Lasts until reset(). */
  rejectData(code: number, message = 'Message refused by test'): void {
    this.dataRejection = { code, message };
  }

  /** Accepts everything again and forgets recorded messages. */
  reset(): void {
    this.messages.length = 0;
    this.rcptRejection = null;
    this.dataRejection = null;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async receive(stream: Readable, envelopeFrom: string, envelopeTo: string[]): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (this.dataRejection) throw smtpError(this.dataRejection.code, this.dataRejection.message);
    const raw = Buffer.concat(chunks);
    const parsed = await simpleParser(raw);
    const headers: Record<string, string> = {};
    for (const line of parsed.headerLines) {
      const name = line.key.toLowerCase();
      const value = line.line.slice(line.line.indexOf(':') + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    this.messages.push({
      envelopeFrom,
      envelopeTo,
      from: addressesOf(parsed.from),
      to: addressesOf(parsed.to),
      cc: addressesOf(parsed.cc),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
      messageId: parsed.messageId ?? null,
      headers,
      raw: raw.toString('utf8'),
    });
  }
}

function smtpError(code: number, message: string): SMTPServerError {
  const error: SMTPServerError = new Error(message);
  error.responseCode = code;
  return error;
}

/** The slice of mailparser's result used here; mailparser ships no type declarations. */
interface ParsedAddress {
  value: { address?: string }[];
}
interface ParsedMail {
  from?: ParsedAddress;
  to?: ParsedAddress | ParsedAddress[];
  cc?: ParsedAddress | ParsedAddress[];
  subject?: string;
  text?: string;
  html?: string | false;
  messageId?: string;
  headerLines: { key: string; line: string }[];
}

// mailparser is CommonJS without types; require keeps the typing local to this helper.
const { simpleParser } = createRequire(import.meta.url)('mailparser') as { simpleParser: (source: Buffer) => Promise<ParsedMail> };

function addressesOf(field: ParsedAddress | ParsedAddress[] | undefined): string[] {
  const groups = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return groups.flatMap((group) => group.value.map((entry) => entry.address ?? ''));
}
