import http from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * The webhook receiver of bench/delivery.ts, in a process of its own so its CPU is not the
 * server's: verifies every Standard Webhooks signature with the reference library, counts
 * deliveries (and distinct webhook-ids) and records event→delivered latency from the body's
 * `timestamp` (the event's occurred_at, set by the publisher when it published).
 *
 * argv[2]: the secret ("whsec_…"). Prints its port on stdout. IPC messages: "report" → replies
 * with the figures since the last "reset"; "reset" → clears them.
 */
const secret = process.argv[2];
if (!secret) throw new Error('usage: delivery-sink <whsec_secret>');
const verifier = new Webhook(secret.slice('whsec_'.length));

let deliveries = 0;
let badSignatures = 0;
let ids = new Set<string>();
let latencies: number[] = [];
let firstAt = 0;
let lastAt = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST') {
      res.writeHead(200).end();
      return;
    }
    const now = Date.now();
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const payload = verifier.verify(body, {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      }) as { timestamp?: string };
      deliveries++;
      ids.add(String(req.headers['webhook-id']));
      if (payload.timestamp) latencies.push(now - Date.parse(payload.timestamp));
      if (firstAt === 0) firstAt = now;
      lastAt = now;
      res.writeHead(204).end();
    } catch {
      badSignatures++;
      res.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});

process.on('message', (message: string) => {
  if (message === 'reset') {
    deliveries = 0;
    badSignatures = 0;
    ids = new Set();
    latencies = [];
    firstAt = 0;
    lastAt = 0;
    process.send?.({ type: 'reset' });
  } else if (message === 'report') {
    process.send?.({ type: 'report', deliveries, distinct: ids.size, badSignatures, latencies, firstAt, lastAt });
  }
});
process.on('disconnect', () => process.exit(0));
