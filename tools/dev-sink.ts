import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';

/**
 * `npm run sink`: a local target for trying notifiers out, no account anywhere. It prints one block
 * per arrival and keeps nothing:
 *
 * - a webhook receiver on http://127.0.0.1:$SINK_HTTP_PORT (default 4000): every POST, with its
 *   Standard Webhooks headers; with `--secret whsec_…` (the notifier's secret) it also verifies the
 *   signature and says whether it holds. Answers 204 (400 for a bad signature).
 * - an SMTP server on 127.0.0.1:$SINK_SMTP_PORT (default 2525), no TLS, no auth: every mail, with
 *   its envelope, subject and text. Point the server at it with SMTP_URL=smtp://127.0.0.1:2525.
 *
 * A development tool (its packages are devDependencies): never a production endpoint.
 */

// mailparser is CommonJS without types; require keeps the typing local to this tool.
const { simpleParser } = createRequire(import.meta.url)('mailparser') as { simpleParser: (source: Readable) => Promise<{ subject?: string; text?: string }> };

const httpPort = Number(process.env.SINK_HTTP_PORT ?? 4000);
const smtpPort = Number(process.env.SINK_SMTP_PORT ?? 2525);
const secretIndex = process.argv.indexOf('--secret');
const secret = secretIndex > 0 ? process.argv[secretIndex + 1] : undefined;
if (secretIndex > 0 && !secret?.startsWith('whsec_')) {
  console.error('usage: npm run sink [-- --secret whsec_...]');
  process.exit(2);
}
const verifier = secret ? new Webhook(secret.slice('whsec_'.length)) : null;

function print(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

function signatureVerdict(body: string, headers: http.IncomingHttpHeaders): string {
  if (!verifier) return 'not checked (start with --secret whsec_… to check it)';
  try {
    verifier.verify(body, {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    });
    return 'valid';
  } catch (error) {
    return `INVALID (${(error as Error).message})`;
  }
}

const webhooks = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const verdict = req.method === 'POST' ? signatureVerdict(body, req.headers) : 'n/a';
    print([
      `webhook ${req.method ?? ''} ${req.url ?? ''} at ${new Date().toISOString()}`,
      `  webhook-id: ${String(req.headers['webhook-id'] ?? '-')}  signature: ${verdict}`,
      `  ${body}`,
    ]);
    res.writeHead(verdict.startsWith('INVALID') ? 400 : 204).end();
  });
});

const mail = new SMTPServer({
  authOptional: true,
  hideSTARTTLS: true,
  disableReverseLookup: true,
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream).then(
      (parsed) => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        print([`mail from ${from} to ${to} at ${new Date().toISOString()}`, `  subject: ${parsed.subject ?? ''}`, `  ${(parsed.text ?? '').trim()}`]);
        callback();
      },
      (error: Error) => callback(error),
    );
  },
});
mail.on('error', (error) => console.error(`smtp: ${error.message}`));

function listening(what: string, server: { once(event: 'error', fn: (e: Error) => void): unknown }, start: (ready: () => void) => void, port: number, variable: string): Promise<void> {
  return new Promise((resolve) => {
    server.once('error', (error: Error) => {
      console.error(`dev-sink: cannot listen for ${what} on 127.0.0.1:${port} (${error.message}); set ${variable} to another port`);
      process.exit(1);
    });
    start(resolve);
  });
}

await listening('webhooks', webhooks, (ready) => webhooks.listen(httpPort, '127.0.0.1', ready), httpPort, 'SINK_HTTP_PORT');
await listening('mail', mail.server, (ready) => mail.listen(smtpPort, '127.0.0.1', ready), smtpPort, 'SINK_SMTP_PORT');
print([
  `dev-sink: webhooks at http://127.0.0.1:${(webhooks.address() as AddressInfo).port}/, mail at smtp://127.0.0.1:${(mail.server.address() as AddressInfo).port}`,
  '  (Ctrl-C stops it)',
]);
