import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { TokenService } from '../src/common/auth/token.service.js';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { embeddedComparison } from './delivery-embedded.js';
import {
  JWT,
  WEBHOOK_SECRET,
  createWebhookNotifiers,
  loaded,
  pct,
  publishAll,
  publishAtRate,
  startSink,
  startSwitchboard,
  waitForDeliveries,
  type Sink,
  type SinkReport,
} from './delivery-harness.js';

/**
 * The delivery engine under load: N events × M webhook notifiers, published through
 * EventService/PublishEvents to the real entry point (dist/src/main.js, role all) on a scratch
 * PostgreSQL database, delivered by the built-in webhook plugin to a sink in its own process
 * (bench/delivery-sink.ts) that verifies every Standard Webhooks signature. Then, in the same run,
 * a bare loop doing the same PostgreSQL writes (an event row, a record row, the record's update
 * and its attempt row) and the same signed HTTP POSTs with no framework, and the ratio.
 *
 *   npm run bench:delivery
 *   BENCH_EVENTS=2000 BENCH_NOTIFIERS=2 BENCH_RATE=1000 BENCH_RATE_SECONDS=5 npm run bench:delivery
 *   npm run bench:delivery -- --embedded    the default database against the server (delivery-embedded.ts)
 *
 * Two runs of Switchboard: throughput (all N events at once, deliveries/s until the sink has them
 * all) and latency at a steady rate (BENCH_RATE events/s for BENCH_RATE_SECONDS, event→delivered
 * p50/p99 measured at the sink from the event's occurred_at). Prints figures; asserts nothing;
 * never part of `npm test`.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const NOTIFIERS = Number(process.env.BENCH_NOTIFIERS ?? 2);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 5);
const BARE_CONCURRENCY = 64;
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** --cpu-prof: keep a V8 CPU profile of the Switchboard process (directory printed). */
const PROF_DIR = process.argv.includes('--cpu-prof') ? mkdtempSync(join(tmpdir(), 'sb-bench-delivery-prof-')) : null;

async function main(): Promise<void> {
  if (!(await serverAnswers(SERVER))) throw new Error(`no PostgreSQL server at ${SERVER} (set BENCH_DATABASE_URL)`);
  const sink = await startSink();
  const token = await new TokenService(JWT).sign({ sub: 'bench', role: 'admin' });
  const work = mkdtempSync(join(tmpdir(), 'sb-bench-delivery-'));
  let throughput: { deliveries: number; seconds: number; report: SinkReport };
  let rate: { events: number; seconds: number; report: SinkReport };
  let bare: { deliveries: number; seconds: number; report: SinkReport };
  try {
    const db = await createScratchDatabase(SERVER, 'switchboard_bench');
    try {
      const app = await startSwitchboard(work, db.url, sink.port, PROF_DIR);
      try {
        const integration = new loaded.rustbill.integration.IntegrationService(app.address, grpc.credentials.createInsecure());
        const events = new loaded.switchboard.events.v1.EventService(app.address, grpc.credentials.createInsecure());
        const metadata = new grpc.Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        await createWebhookNotifiers(integration, metadata, NOTIFIERS, sink.port);
        // Warm-up: sandbox workers, compiled instances, connection pools.
        await publishAll(events, metadata, 100, 'warm');
        await waitForDeliveries(sink, 100 * NOTIFIERS, 60_000);
        await sink.reset();

        const t0 = Date.now();
        await publishAll(events, metadata, EVENTS, 'burst');
        const report = await waitForDeliveries(sink, EVENTS * NOTIFIERS, 300_000);
        throughput = { deliveries: report.deliveries, seconds: (report.lastAt - t0) / 1_000, report };
        await sink.reset();

        const rateRun = await publishAtRate(events, metadata, RATE, RATE_SECONDS);
        const rateReport = await waitForDeliveries(sink, rateRun.events * NOTIFIERS, 300_000);
        rate = { events: rateRun.events, seconds: rateRun.seconds, report: rateReport };
        await sink.reset();
        integration.close();
        events.close();
      } finally {
        await app.stop();
      }
    } finally {
      await db.drop();
    }

    const bareDb = await createScratchDatabase(SERVER, 'switchboard_bench_bare');
    try {
      bare = await bareLoop(bareDb.url, sink, EVENTS, NOTIFIERS);
    } finally {
      await bareDb.drop();
    }
  } finally {
    sink.stop();
    rmSync(work, { recursive: true, force: true });
  }

  console.log(`${EVENTS} events × ${NOTIFIERS} webhook notifiers, sink in its own process verifying every signature`);
  line('switchboard', throughput.deliveries, throughput.seconds, throughput.report);
  line('bare loop', bare.deliveries, bare.seconds, bare.report);
  const ratio = throughput.deliveries / throughput.seconds / (bare.deliveries / bare.seconds);
  console.log(`ratio: switchboard / bare = ${ratio.toFixed(2)}× deliveries/s (target ≥ 0.60×)`);
  const rateLatencies = [...rate.report.latencies].sort((a, b) => a - b);
  console.log(
    `steady rate: ${(rate.events / rate.seconds).toFixed(0)} events/s for ${rate.seconds.toFixed(1)} s (${rate.report.deliveries} deliveries): ` +
      `event→delivered p50 ${pct(rateLatencies, 0.5)} ms, p99 ${pct(rateLatencies, 0.99)} ms, max ${rateLatencies[rateLatencies.length - 1] ?? 0} ms (target p99 < 500 ms at 1,000 events/s)`,
  );
  if (PROF_DIR) console.log(`CPU profile of the Switchboard process: ${PROF_DIR}`);
}

function line(label: string, deliveries: number, seconds: number, report: SinkReport): void {
  const sorted = [...report.latencies].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(12)} ${(deliveries / seconds).toFixed(0).padStart(6)} deliveries/s  (${deliveries} in ${seconds.toFixed(2)} s, ${report.distinct} distinct ids, ${report.badSignatures} bad signatures)  ` +
      `event→delivered p50 ${pct(sorted, 0.5)} ms  p99 ${pct(sorted, 0.99)} ms`,
  );
}

/**
 * The baseline: the same writes and POSTs, hand-rolled. Per event one row; per delivery a record
 * row, a signed POST (HMAC-SHA256 as the webhook plugin signs), then the record's update and its
 * attempt row in one statement; BARE_CONCURRENCY deliveries in flight, pool of 10.
 */
async function bareLoop(url: string, sink: Sink, events: number, notifiers: number): Promise<{ deliveries: number; seconds: number; report: SinkReport }> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client cut when the scratch database is dropped must not crash the bench.
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE bench_events (id uuid PRIMARY KEY, event_id text UNIQUE, data jsonb, created_at timestamptz DEFAULT now())`);
  await pool.query(`CREATE TABLE bench_records (id uuid PRIMARY KEY, event_id text, target int, status text, attempt_count int DEFAULT 0, updated_at timestamptz DEFAULT now())`);
  await pool.query(`CREATE TABLE bench_attempts (id uuid PRIMARY KEY, record_id uuid, outcome text, created_at timestamptz DEFAULT now())`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: BARE_CONCURRENCY });
  const key = Buffer.from(WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
  const post = (id: string, body: string, target: number) =>
    new Promise<number>((resolve, reject) => {
      const ts = String(Math.floor(Date.now() / 1_000));
      const signature = `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
      const req = http.request(
        { host: '127.0.0.1', port: sink.port, path: `/hook/${target}`, method: 'POST', agent, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  await sink.reset();
  const t0 = Date.now();
  const queue: { eventId: string; occurredAt: string; data: object; target: number }[] = [];
  // Events in batches of 100, as PublishEvents writes them.
  for (let i = 0; i < events; i += 100) {
    const batch = Array.from({ length: Math.min(100, events - i) }, (_, j) => {
      const eventId = `bare-${i + j}`;
      return { eventId, occurredAt: new Date().toISOString(), data: { order_id: eventId, customer_email: 'bench@example.test', amount: '10.00', currency: 'USD' } };
    });
    await pool.query(`INSERT INTO bench_events (id, event_id, data) SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])`, [
      batch.map(() => randomUUID()),
      batch.map((b) => b.eventId),
      batch.map((b) => JSON.stringify(b.data)),
    ]);
    for (const b of batch) for (let t = 1; t <= notifiers; t++) queue.push({ ...b, target: t });
  }
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const job = queue[next++];
      const id = randomUUID();
      await pool.query(`INSERT INTO bench_records (id, event_id, target, status) VALUES ($1, $2, $3, 'sending')`, [id, job.eventId, job.target]);
      const body = JSON.stringify({ type: 'order_paid', timestamp: job.occurredAt, data: { notification_id: id, event: job.data } });
      const status = await post(id, body, job.target);
      await pool.query(
        `WITH upd AS (UPDATE bench_records SET status = $2, attempt_count = attempt_count + 1, updated_at = now() WHERE id = $1 RETURNING id)
         INSERT INTO bench_attempts (id, record_id, outcome) SELECT $3, id, $2 FROM upd`,
        [id, status < 300 ? 'sent' : 'failed', randomUUID()],
      );
    }
  };
  await Promise.all(Array.from({ length: BARE_CONCURRENCY }, worker));
  const report = await waitForDeliveries(sink, events * notifiers, 60_000);
  agent.destroy();
  await pool.end();
  return { deliveries: report.deliveries, seconds: (report.lastAt - t0) / 1_000, report };
}

if (process.argv.includes('--embedded')) await embeddedComparison(SERVER);
else await main();
