import { fork } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import pg from 'pg';
import { TokenService } from '../src/common/auth/token.service.js';
import { createScratchDatabase, serverAnswers } from '../src/common/database/scratch-database.js';
import { PROTO_FILES, PROTO_LOADER_OPTIONS } from '../src/common/grpc/switchboard-grpc-server.js';
import { DIST_ROOT } from '../src/config/paths.js';
import { startSwitchboardProcess, type SwitchboardProcess } from './switchboard-process.js';

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
const JWT = 'bench-secret-bench-secret-bench-secret-0123';
/** --cpu-prof: keep a V8 CPU profile of the Switchboard process (directory printed). */
const PROF_DIR = process.argv.includes('--cpu-prof') ? mkdtempSync(join(tmpdir(), 'sb-bench-delivery-prof-')) : null;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

interface SinkReport {
  deliveries: number;
  distinct: number;
  badSignatures: number;
  latencies: number[];
  firstAt: number;
  lastAt: number;
}

interface Sink {
  port: number;
  report(): Promise<SinkReport>;
  reset(): Promise<void>;
  stop(): void;
}

const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  rustbill: { integration: { IntegrationService: grpc.ServiceClientConstructor } };
  switchboard: { events: { v1: { EventService: grpc.ServiceClientConstructor } } };
};

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
      const app = await startSwitchboard(work, db.url, sink.port);
      try {
        const integration = new loaded.rustbill.integration.IntegrationService(app.address, grpc.credentials.createInsecure());
        const events = new loaded.switchboard.events.v1.EventService(app.address, grpc.credentials.createInsecure());
        const metadata = new grpc.Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        const { plugins } = await unary<{ plugins: { id: string; plugin_type: string; plugin_id: string }[] }>(integration, 'ListPlugins', {}, metadata);
        const webhook = plugins.find((p) => p.plugin_type === 'notifier' && p.plugin_id === 'webhook');
        if (!webhook) throw new Error('the built-in webhook plugin is not listed');
        for (let i = 0; i < NOTIFIERS; i++) {
          await unary(integration, 'CreatePluginInterface', {
            plugin_def_id: webhook.id,
            display_name: `bench sink ${i + 1}`,
            config_json: JSON.stringify({ url: `http://127.0.0.1:${sink.port}/hook/${i + 1}`, secret: WEBHOOK_SECRET }),
          }, metadata);
        }
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

function pct(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function unary<T = unknown>(client: grpc.Client, method: string, request: unknown, metadata: grpc.Metadata): Promise<T> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, (r: unknown, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: T) => void) => void>)[method](
      request,
      metadata,
      { deadline: Date.now() + 60_000 },
      (err, value) => (err ? reject(err) : resolve(value)),
    );
  });
}

const event = (id: string) => ({
  event_id: id,
  event_type: 'order_paid',
  source: 'bench',
  occurred_at: new Date().toISOString(),
  data_json: JSON.stringify({ order_id: id, customer_email: 'bench@example.test', amount: '10.00', currency: 'USD' }),
});

/** `count` events in batches of 100, four batches in flight. */
async function publishAll(client: grpc.Client, metadata: grpc.Metadata, count: number, prefix: string): Promise<void> {
  const batches: number[][] = [];
  for (let i = 0; i < count; i += 100) batches.push(Array.from({ length: Math.min(100, count - i) }, (_, j) => i + j));
  const run = new Set<Promise<unknown>>();
  for (const batch of batches) {
    const p = unary(client, 'PublishEvents', { events: batch.map((n) => event(`${prefix}-${n}-${randomUUID()}`)) }, metadata).finally(() => run.delete(p));
    run.add(p);
    if (run.size >= 4) await Promise.race(run);
  }
  await Promise.all(run);
}

/** `rate` events/s as a batch every 20 ms, for `seconds`. */
async function publishAtRate(client: grpc.Client, metadata: grpc.Metadata, rate: number, seconds: number): Promise<{ events: number; seconds: number }> {
  const perTick = Math.max(1, Math.round((rate * 20) / 1_000));
  const start = Date.now();
  const pending: Promise<unknown>[] = [];
  let sent = 0;
  for (let tick = 0; Date.now() - start < seconds * 1_000; tick++) {
    pending.push(unary(client, 'PublishEvents', { events: Array.from({ length: perTick }, (_, j) => event(`rate-${tick}-${j}-${randomUUID()}`)) }, metadata));
    sent += perTick;
    const next = start + (tick + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await Promise.all(pending);
  return { events: sent, seconds: (Date.now() - start) / 1_000 };
}

async function waitForDeliveries(sink: Sink, expected: number, timeoutMs: number): Promise<SinkReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await sink.report();
    if (report.distinct >= expected) return report;
    if (Date.now() > deadline) throw new Error(`only ${report.distinct} of ${expected} deliveries arrived in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startSink(): Promise<Sink> {
  const child = fork(join(DIST_ROOT, 'bench', 'delivery-sink.js'), [WEBHOOK_SECRET], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const ask = <T>(message: string, type: string): Promise<T> =>
    new Promise((resolve) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      child.send(message);
    });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) =>
      resolve({
        port: Number(d.toString().trim()),
        report: () => ask<SinkReport>('report', 'report'),
        reset: () => ask<void>('reset', 'reset'),
        stop: () => child.kill('SIGTERM'),
      }),
    );
    child.once('exit', (code) => reject(new Error(`sink exited (${code})`)));
  });
}

/** The real process (role all), plugins allowed to reach the sink, no health sweep during the run. */
function startSwitchboard(work: string, databaseUrl: string, sinkPort: number): Promise<SwitchboardProcess> {
  return startSwitchboardProcess({
    work,
    databaseUrl,
    jwtSecret: JWT,
    profDir: PROF_DIR,
    env: {
      PLUGIN_HTTP_ALLOW: `127.0.0.1:${sinkPort}`,
      HEALTH_CHECK_CRON: '0 0 1 1 *',
      // Tuning knobs pass through, so one run can try DELIVERY_CONCURRENCY=128 and the like.
      ...(Object.fromEntries(
        Object.entries(process.env).filter(([k]) => /^(DELIVERY_|PLUGIN_WORKERS|OUTBOX_|DATABASE_POOL_SIZE|LOG_LEVEL)/.test(k)),
      ) as Record<string, string>),
    },
  });
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

await main();
